import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { EVENT_COLUMNS } from '../../daemon/contract/event-fields.js';
import { GENESIS, canonical, chainHash } from '../../daemon/store/chain.js';
import { openStore, type AuditStore } from '../../daemon/store/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../daemon/store/schema.js';
import { ev, tempDir } from './fixtures.js';

// The agent columns (agent, approver, note) are the field table's `whenSet` fields, added by the
// last migration: rows written before them keep their hash, and a database of the schema before
// them is upgraded in place, its chain intact.

const AGENT_KEYS = ['agent', 'approver', 'note'];
const opened: AuditStore[] = [];
const dirs: (() => void)[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  for (const c of dirs.splice(0)) c();
});

describe('the agent columns (whenSet fields)', () => {
  test('a row without them hashes as before; a row with one set hashes all three, in table order', () => {
    const plain = JSON.parse(canonical(ev())) as Record<string, unknown>;
    expect(Object.keys(plain).some((k) => AGENT_KEYS.includes(k))).toBe(false);
    expect(canonical(ev({ agent: null, approver: null, note: null }))).toBe(canonical(ev()));
    const agentRow = JSON.parse(canonical(ev({ shell: 'agent', agent: 'codex' }))) as Record<string, unknown>;
    expect(Object.keys(agentRow).slice(-3)).toEqual(AGENT_KEYS);
    expect([agentRow.agent, agentRow.approver, agentRow.note]).toEqual(['codex', null, null]);
  });

  test('a database of the schema before them is migrated; its rows keep their hashes and the chain verifies', () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    const file = join(dir, 'audit.db');
    const before = MIGRATIONS.length - 1;
    const raw = new Database(file);
    for (const m of MIGRATIONS.slice(0, before)) raw.exec(m);
    raw.pragma(`user_version = ${before}`);
    // A row as the previous prodguard wrote it: the columns of its time, hashed without the agent keys.
    const old = ev({ cmd: 1, command: 'ls' });
    const hash = chainHash(GENESIS, old);
    const columns = EVENT_COLUMNS.filter((c) => !AGENT_KEYS.includes(c));
    const value = (c: string): unknown => {
      const v = (old as Record<string, unknown>)[c === 'duration_ms' ? 'durationMs' : c];
      return Array.isArray(v) ? JSON.stringify(v) : (v ?? null);
    };
    raw
      .prepare(`INSERT INTO events (seq, ${columns.join(', ')}, prev_hash, hash) VALUES (${['?', ...columns.map(() => '?'), '?', '?'].join(', ')})`)
      .run(1, ...columns.map(value), GENESIS, hash);
    raw.close();

    const store = openStore(file);
    opened.push(store);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    expect(store.head()).toEqual({ seq: 1, hash });
    const agentRow = store.append(
      ev({ cmd: 2, shell: 'agent', agent: 'gemini', approver: 'alice', command: 'rm -rf /srv/x', decision: 'confirmed' }),
    )!;
    expect(agentRow.prevHash).toBe(hash);
    expect(store.verify().ok).toBe(true);
    const rows = store.query({ agent: 'gemini' });
    expect(rows.map((r) => [r.seq, r.agent, r.approver])).toEqual([[2, 'gemini', 'alice']]);
  });
});
