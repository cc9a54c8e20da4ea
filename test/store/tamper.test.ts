import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { chainHash } from '../../daemon/store/chain.js';
import { openStore, type AuditStore } from '../../daemon/store/index.js';
import { rowToEvent, type EventRow } from '../../daemon/store/rows.js';
import { T0, ev, result, tempDir } from './fixtures.js';

// An attacker with write access to the file: drops the triggers with a raw connection, then
// edits, deletes, inserts or reorders rows. verify must name the first bad row.

let file: string;
let store: AuditStore;
let cleanup: () => void;

beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  file = join(t.dir, 'audit.db');
  store = openStore(file);
  // 10 rows: commands 1..5 each with a result.
  for (let i = 1; i <= 5; i++)
    store.appendMany([ev({ cmd: i, ts: T0 + i * 60_000, command: `echo ${i}` }), result('s1', i, 0, { ts: T0 + i * 60_000 + 500 })]);
});
afterEach(() => {
  store.close();
  cleanup();
});

function attacker(fn: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
  fn(db);
  db.close();
}

const rowAt = (db: Database.Database, seq: number) => db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as EventRow;

/** Rewrites row `seq` with new content and a hash recomputed over it (a careful attacker). */
function rewrite(db: Database.Database, seq: number, command: string): void {
  const row = rowAt(db, seq);
  const hash = chainHash(row.prev_hash, { ...rowToEvent(row), command });
  db.prepare('UPDATE events SET command = ?, hash = ? WHERE seq = ?').run(command, hash, seq);
}

test('an untouched chain verifies', () => {
  expect(store.verify()).toMatchObject({ ok: true, rows: 10, firstSeq: 1, lastSeq: 10, problem: null });
});

describe('verify names the first bad row', () => {
  test('edited: content changed, hash left', () => {
    attacker((db) => db.prepare("UPDATE events SET command = 'echo harmless' WHERE seq = 5").run());
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 5, kind: 'edited' } });
  });

  test('edited: a non-text field (exit code) changed', () => {
    attacker(
      (db) =>
        db.prepare('UPDATE events SET exit = 0 WHERE seq = 4 AND exit = 0').run() && db.prepare('UPDATE events SET exit = 1 WHERE seq = 4').run(),
    );
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 4, kind: 'edited' } });
  });

  test('edited with the hash recomputed: the next row no longer links to it', () => {
    attacker((db) => rewrite(db, 3, 'echo nothing to see'));
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 3, kind: 'edited' } });
  });

  test('deleted: a row in the middle', () => {
    attacker((db) => db.prepare('DELETE FROM events WHERE seq = 6').run());
    const v = store.verify();
    expect(v).toMatchObject({ ok: false, problem: { seq: 6, kind: 'deleted' } });
    expect(v.problem!.message).toMatch(/rows 6\.\.6 were deleted/);
  });

  test('deleted: the oldest rows without a prune checkpoint', () => {
    attacker((db) => db.prepare('DELETE FROM events WHERE seq <= 2').run());
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 1, kind: 'deleted' } });
  });

  test('inserted: a forged row chained in the middle, later rows renumbered', () => {
    attacker((db) => {
      db.exec('UPDATE events SET seq = seq + 1000 WHERE seq > 4; UPDATE events SET seq = seq - 999 WHERE seq > 1000;');
      const prev = rowAt(db, 4);
      const forged = ev({ cmd: 99, command: 'echo forged' });
      const hash = chainHash(prev.hash, { ...forged, anchor: null });
      db.prepare(
        `INSERT INTO events (seq, kind, ts, session, cmd, user, uid, host, tty, shell, pid, cwd, env, signal, command, rules, matched, severity, decision, exit, duration_ms, via, prev_hash, hash)
         VALUES (5, 'command', ?, 's1', 99, 'alice', 1000, 'web1', '/dev/pts/1', 'bash', 4242, '/srv/app', 'production', 'ENV=production', 'echo forged', '[]', '[]', NULL, 'allowed', NULL, NULL, 'live', ?, ?)`,
      ).run(forged.ts, prev.hash, hash);
    });
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 5, kind: 'inserted' } });
  });

  test('inserted: a row appended that does not link to the head', () => {
    attacker((db) => {
      const e = { ...ev({ cmd: 50 }), anchor: null };
      const fakePrev = 'ab'.repeat(32);
      db.prepare(
        `INSERT INTO events (seq, kind, ts, session, cmd, user, uid, host, tty, shell, pid, cwd, env, signal, command, rules, matched, severity, decision, exit, duration_ms, via, prev_hash, hash)
         VALUES (11, 'command', ?, 's1', 50, 'alice', 1000, 'web1', '/dev/pts/1', 'bash', 4242, '/srv/app', 'production', 'ENV=production', 'ls -la', '[]', '[]', NULL, 'allowed', NULL, NULL, 'live', ?, ?)`,
      ).run(e.ts, fakePrev, chainHash(fakePrev, e));
    });
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 11, kind: 'inserted' } });
  });

  test('reordered: two rows swap places', () => {
    attacker((db) =>
      db.exec('UPDATE events SET seq = 100 WHERE seq = 7; UPDATE events SET seq = 7 WHERE seq = 8; UPDATE events SET seq = 8 WHERE seq = 100;'),
    );
    expect(store.verify()).toMatchObject({ ok: false, problem: { seq: 7, kind: 'reordered' } });
  });

  test('truncated: the newest rows cut off, caught against a published head', () => {
    const published = store.head()!;
    attacker((db) => db.prepare('DELETE FROM events WHERE seq > 7').run());
    expect(store.verify().ok).toBe(true); // the chain alone cannot tell
    expect(store.verify({ expectHead: published })).toMatchObject({ ok: false, problem: { seq: 8, kind: 'truncated' } });
  });

  test('rewritten from some row on to the end: caught against a published head', () => {
    const published = store.head()!;
    attacker((db) => {
      let prev = rowAt(db, 5).hash;
      for (let seq = 6; seq <= 10; seq++) {
        const row = rowAt(db, seq);
        const hash = chainHash(prev, { ...rowToEvent(row), command: row.command && 'echo rewritten' });
        db.prepare('UPDATE events SET command = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(row.command && 'echo rewritten', prev, hash, seq);
        prev = hash;
      }
    });
    expect(store.verify().ok).toBe(true);
    expect(store.verify({ expectHead: published })).toMatchObject({ ok: false, problem: { seq: 10, kind: 'edited' } });
  });

  test('a published head that is still there passes', () => {
    const published = store.head()!;
    store.append(ev({ cmd: 6 }));
    expect(store.verify({ expectHead: published })).toMatchObject({ ok: true, rows: 11 });
  });
});

describe('prune', () => {
  test('deletes the oldest rows, writes a checkpoint, and the chain still verifies', () => {
    const published = store.head()!;
    const r = store.prune(new Date(T0 + 3 * 60_000)); // commands 1, 2 and their results
    expect(r).toMatchObject({ deleted: 4, anchor: { seq: 4 }, checkpointSeq: 11 });
    const v = store.verify({ expectHead: published });
    expect(v).toMatchObject({ ok: true, firstSeq: 5, lastSeq: 11, anchor: { seq: 4 } });
    expect(store.query({ limit: 100 }).map((row) => row.kind)).toEqual(['checkpoint', 'command', 'command', 'command']);
    // The search index forgot the pruned commands.
    expect(store.query({ search: 'echo 1' })).toEqual([]);
    expect(store.query({ search: 'echo 3' }).length).toBe(1);
  });

  test('pruned twice, and pruned up to everything, still verifies; appends continue the chain', () => {
    store.prune(new Date(T0 + 2 * 60_000));
    store.prune(new Date(T0 + 4 * 60_000));
    expect(store.verify().ok).toBe(true);
    const r = store.prune(new Date(Date.now() + 1000)); // also the checkpoints
    expect(r.deleted).toBeGreaterThan(0);
    expect(store.verify()).toMatchObject({ ok: true, rows: 1 });
    store.append(ev({ cmd: 42 }));
    expect(store.verify()).toMatchObject({ ok: true, rows: 2 });
  });

  test('only a prefix of the chain goes: an old row after a newer one is kept', () => {
    store.append(ev({ cmd: 77, ts: T0 - 86_400_000, via: 'spool' })); // late from a spool, seq 11
    store.prune(new Date(T0 + 2 * 60_000));
    expect(store.query({ session: 's1', limit: 100 }).some((r) => r.cmd === 77)).toBe(true);
    expect(store.verify().ok).toBe(true);
  });

  test('nothing old enough: no rows deleted, no checkpoint', () => {
    expect(store.prune(new Date(T0))).toEqual({ deleted: 0, anchor: null, checkpointSeq: null });
    expect(store.head()!.seq).toBe(10);
  });

  test('after a prune, deleting more old rows without one is still caught', () => {
    store.prune(new Date(T0 + 2 * 60_000));
    attacker((db) => db.prepare('DELETE FROM events WHERE seq = 3').run());
    expect(store.verify()).toMatchObject({ ok: false, problem: { kind: 'deleted' } });
  });

  test('the guard is closed again after prune: plain DELETE is still refused', () => {
    store.prune(new Date(T0 + 2 * 60_000));
    const db = new Database(file);
    expect(() => db.prepare('DELETE FROM events WHERE seq = 5').run()).toThrow(/append-only/);
    db.close();
  });
});
