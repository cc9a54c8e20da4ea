import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { GENESIS, canonical, chainHash } from '../../daemon/store/chain.js';
import { StoreError, openStore, type AuditStore } from '../../daemon/store/index.js';
import { SCHEMA_VERSION } from '../../daemon/store/schema.js';
import { ev, result, tempDir } from './fixtures.js';

const open: AuditStore[] = [];
const dirs: (() => void)[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const c of dirs.splice(0)) c();
});

function fresh(sub = 'audit.db', opts?: { readonly?: boolean }): { store: AuditStore; file: string; dir: string } {
  const { dir, cleanup } = tempDir();
  dirs.push(cleanup);
  const file = join(dir, sub);
  const store = openStore(file, opts);
  open.push(store);
  return { store, file, dir };
}

describe('append', () => {
  test('chains each row to the previous one from the genesis hash', () => {
    const { store } = fresh();
    const a = store.append(ev({ cmd: 1 }))!;
    const b = store.append(ev({ cmd: 2, command: 'rm -rf /tmp/x' }))!;
    expect(a.seq).toBe(1);
    expect(a.prevHash).toBe(GENESIS);
    expect(a.hash).toBe(chainHash(GENESIS, { ...ev({ cmd: 1 }), anchor: null }));
    expect(b.seq).toBe(2);
    expect(b.prevHash).toBe(a.hash);
    expect(store.head()).toEqual({ seq: 2, hash: b.hash });
  });

  test('the documented canonical form: fixed key order, absent fields as null', () => {
    const e = ev({ rules: ['fs.rm-rf'] });
    const text = canonical(e);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'kind',
      'ts',
      'session',
      'cmd',
      'user',
      'uid',
      'host',
      'tty',
      'shell',
      'pid',
      'cwd',
      'env',
      'signal',
      'command',
      'rules',
      'matched',
      'severity',
      'decision',
      'exit',
      'durationMs',
      'via',
      'anchor',
    ]);
    // Independent recomputation: sha256(prevHash + canonical JSON).
    expect(chainHash(GENESIS, e)).toBe(
      createHash('sha256')
        .update(GENESIS + text)
        .digest('hex'),
    );
  });

  test('a replayed command, result, statement or session event is stored once (append returns null)', () => {
    const { store } = fresh();
    expect(store.append(ev({ kind: 'session-start', cmd: null }))).not.toBeNull();
    expect(store.append(ev({ cmd: 1 }))).not.toBeNull();
    expect(store.append(result('s1', 1, 0))).not.toBeNull();
    expect(store.append(ev({ kind: 'statement', cmd: 7 }))).not.toBeNull();
    const headBefore = store.head();
    expect(store.append(ev({ kind: 'session-start', cmd: null, ts: 5 }))).toBeNull();
    expect(store.append(ev({ cmd: 1, command: 'something else' }))).toBeNull();
    expect(store.append(result('s1', 1, 3))).toBeNull();
    expect(store.append(ev({ kind: 'statement', cmd: 7 }))).toBeNull();
    expect(store.head()).toEqual(headBefore);
    // Same counter in another session is a different command.
    expect(store.append(ev({ session: 's2', cmd: 1 }))!.seq).toBe(5);
    expect(store.verify().ok).toBe(true);
  });

  test('appendMany is one transaction that skips duplicates inside the batch and against the table', () => {
    const { store } = fresh();
    store.append(ev({ cmd: 1 }));
    const out = store.appendMany([ev({ cmd: 1 }), ev({ cmd: 2 }), ev({ cmd: 2 }), ev({ cmd: 3 })]);
    expect(out.map((e) => [e.cmd, e.seq])).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(store.verify()).toMatchObject({ ok: true, rows: 3 });
  });

  test('an invalid event is refused with a StoreError and nothing of the batch is stored', () => {
    const { store } = fresh();
    expect(() => store.appendMany([ev({ cmd: 1 }), { ...ev({ cmd: 2 }), decision: 'maybe' as never }])).toThrow(StoreError);
    expect(store.head()).toBeNull();
  });

  test('any event round-trips and verifies, lone surrogates and NULs included', () => {
    const { store } = fresh();
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            command: text,
            cwd: text,
            user: text,
            rules: fc.array(text, { maxLength: 3 }),
            ts: fc.double({ noNaN: true, noDefaultInfinity: true }),
            durationMs: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (parts) => {
          store.appendMany(parts.map((p) => ev({ ...p, cmd: null, kind: 'disabled' })));
        },
      ),
      { numRuns: 60 },
    );
    const v = store.verify();
    expect(v.problem).toBeNull();
    expect(v.rows).toBeGreaterThan(60);
  });
});

describe('the file', () => {
  test('is created 0600 in a new 0700 directory, WAL, schema version set', () => {
    const { file, dir } = fresh('nested/deeper/audit.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'deeper')).mode & 0o777).toBe(0o700);
    for (const side of ['-wal', '-shm']) if (existsSync(file + side)) expect(statSync(file + side).mode & 0o777).toBe(0o600);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  test('an existing file keeps its rows and is not migrated twice', () => {
    const { store, file } = fresh();
    store.append(ev());
    store.close();
    const again = openStore(file);
    open.push(again);
    expect(again.head()!.seq).toBe(1);
    expect(again.append(ev({ cmd: 2 }))!.seq).toBe(2);
  });

  test('UPDATE and DELETE of audit rows are refused by triggers', () => {
    const { store, file } = fresh();
    store.append(ev());
    const raw = new Database(file);
    expect(() => raw.prepare("UPDATE events SET command = 'ls' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM events WHERE seq = 1').run()).toThrow(/append-only; use prodguard prune/);
    raw.close();
    expect(store.verify().ok).toBe(true);
  });

  test('read-only: refuses writes, does not create a missing file, rejects a corrupt one', () => {
    const { store, file, dir } = fresh();
    store.append(ev());
    const ro = openStore(file, { readonly: true });
    open.push(ro);
    expect(ro.query({}).length).toBe(1);
    expect(() => ro.append(ev({ cmd: 2 }))).toThrow(/read-only/);

    const missing = join(dir, 'nope.db');
    expect(() => openStore(missing, { readonly: true })).toThrow(expect.objectContaining({ code: 'missing' }));
    expect(existsSync(missing)).toBe(false);

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, it is a text file that is long enough to matter'.repeat(20));
    expect(() => openStore(corrupt, { readonly: true })).toThrow(expect.objectContaining({ code: 'corrupt' }));
    expect(() => openStore(corrupt)).toThrow(expect.objectContaining({ code: 'corrupt' }));

    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)').close();
    expect(() => openStore(other, { readonly: true })).toThrow(/not a prodguard audit database/);
  });
});

describe('the contract value lists, as the store applies them', () => {
  test('each decision is stored and found by its own --decision filter; a value outside the list is refused', async () => {
    const { DECISIONS } = await import('../../daemon/contract/enums.js');
    const { store } = fresh();
    DECISIONS.forEach((decision, i) => store.append(ev({ cmd: i + 1, decision })));
    for (const decision of DECISIONS) expect(store.query({ decision: [decision] }).map((r) => r.decision)).toEqual([decision]);
    expect(() => store.append(ev({ cmd: 99, decision: 'maybe' as never }))).toThrow(expect.objectContaining({ code: 'invalid' }));
  });

  test('sev_rank orders the severities as the list does, so --severity means "at least"', async () => {
    const { SEVERITIES } = await import('../../daemon/contract/enums.js');
    const { store, file } = fresh();
    SEVERITIES.forEach((severity, i) => store.append(ev({ cmd: i + 1, severity, decision: 'confirmed' })));
    SEVERITIES.forEach((severity, i) => {
      expect(store.query({ severity, reverse: true }).map((r) => r.severity)).toEqual(SEVERITIES.slice(i));
    });
    const db = new Database(file, { readonly: true });
    try {
      const ranks = db.prepare('SELECT severity, sev_rank FROM events ORDER BY seq').all() as { severity: string; sev_rank: number }[];
      expect(ranks).toEqual(SEVERITIES.map((severity, i) => ({ severity, sev_rank: i + 1 })));
    } finally {
      db.close();
    }
    expect(() => store.append(ev({ cmd: 99, severity: 'extreme' as never }))).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});
