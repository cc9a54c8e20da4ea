import { describe, expect, it } from 'vitest';
import type { AuditEvent, StoredEvent } from '../../daemon/contract/events.js';
import { createWriter, type WriterStore } from '../../daemon/server/writer.js';

// The batching writer against a store double that behaves like the real one (idempotent on
// (session, cmd, kind), returns only what it stored): what each caller is told, and when.

const event = (cmd: number, kind: AuditEvent['kind'] = 'command'): AuditEvent => ({
  kind,
  ts: 1,
  session: 's',
  cmd,
  user: 'u',
  uid: 0,
  host: 'h',
  tty: '',
  shell: 'zsh',
  pid: 1,
  cwd: '',
  env: null,
  signal: null,
  command: 'ls',
  rules: [],
  matched: [],
  severity: null,
  decision: 'allowed',
  exit: null,
  durationMs: null,
  via: 'live',
});

function fakeStore(): WriterStore & { calls: number[]; rows: StoredEvent[] } {
  const keys = new Set<string>();
  const rows: StoredEvent[] = [];
  const calls: number[] = [];
  return {
    calls,
    rows,
    appendMany(es) {
      calls.push(es.length);
      if (es.some((e) => e.cmd === 666)) throw new Error('audit event rejected');
      if (es.some((e) => e.cmd === 555)) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      const out: StoredEvent[] = [];
      for (const e of es) {
        const k = `${e.session}/${e.cmd}/${e.kind}`;
        if (keys.has(k)) continue;
        keys.add(k);
        const s = { ...e, seq: rows.length + 1, prevHash: '', hash: String(rows.length + 1) };
        rows.push(s);
        out.push(s);
      }
      return out;
    },
    head: () => (rows.length ? { seq: rows.length, hash: String(rows.length) } : null),
  };
}

function writer(store = fakeStore(), headRows = 3) {
  const published: number[] = [];
  const heads: number[] = [];
  const w = createWriter({
    store,
    sinks: () => ({ publish: (e) => published.push(e.seq), publishHead: (h) => heads.push(h.seq) }),
    headEvery: () => ({ rows: headRows, minutes: 10 }),
    onError: () => undefined,
  });
  return { w, store, published, heads };
}

describe('batching writer', () => {
  it('commits events of the same tick in one transaction and tells duplicates apart', async () => {
    const { w, store, published, heads } = writer();
    const results = await Promise.all([event(1), event(2), event(1), event(1, 'result'), event(3)].map((e) => w.record(e)));
    expect(store.calls).toEqual([5]);
    expect(results.map((r) => r?.seq ?? null)).toEqual([1, 2, null, 3, 4]);
    expect(published).toEqual([1, 2, 3, 4]);
    expect(heads).toEqual([4]);
    expect(await w.record(event(2))).toBeNull();
    expect(w.stats()).toMatchObject({ rows: 4, duplicates: 2 });
    w.close();
  });

  it('fails only the bad event when a shared transaction is refused', async () => {
    const { w, store } = writer();
    const settled = await Promise.allSettled([event(1), event(666), event(2)].map((e) => w.record(e)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.rows.map((r) => r.cmd)).toEqual([1, 2]);
    w.close();
  });

  it('a database-wide failure (lock, disk full) fails the batch at once, without one retry per event, and shows in stats', async () => {
    const { w, store } = writer();
    const settled = await Promise.allSettled([event(1), event(555), event(2)].map((e) => w.record(e)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(store.calls).toEqual([3]);
    expect(w.stats()).toMatchObject({ failed: 3, lastError: { message: 'database is locked' } });
    w.close();
  });

  it('a burst of 256 or more is committed once the current callback has run, not at the next loop turn', async () => {
    const { w, store } = writer(fakeStore(), 1_000);
    const burst = Array.from({ length: 300 }, (_, i) => w.record(event(i + 1)));
    await Promise.resolve(); // microtasks only: no setImmediate has run yet
    expect(store.calls).toEqual([300]);
    expect((await Promise.all(burst)).every((s) => s !== null)).toBe(true);
    // A small burst still waits for the turn, and shares one transaction.
    const small = Array.from({ length: 10 }, (_, i) => w.record(event(1_000 + i)));
    await Promise.resolve();
    expect(store.calls).toEqual([300]);
    await Promise.all(small);
    expect(store.calls).toEqual([300, 10]);
    w.close();
  });
});

describe('a database that refuses writes (disk full)', () => {
  it('holds what it refused in memory (bounded, loss counted) and stores it once writes work again', async () => {
    const { MAX_HELD } = await import('../../daemon/server/writer.js');
    const inner = fakeStore();
    let full = true;
    const store: WriterStore = {
      appendMany: (es) => {
        if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return inner.appendMany(es);
      },
      head: () => inner.head(),
    };
    const { w, published } = writer(store as ReturnType<typeof fakeStore>);
    const total = MAX_HELD + 5;
    const settled = await Promise.allSettled(Array.from({ length: total }, (_, i) => w.record(event(1000 + i)))); // (past the cmds the double refuses)
    // Each caller is told it was not stored (the hook spools it), and the writer keeps it.
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(w.stats()).toMatchObject({ held: MAX_HELD, lost: 5, lastError: { message: 'database or disk is full' } });
    full = false;
    w.close(); // the last retry of the held events (the timer's job while running)
    expect(w.stats()).toMatchObject({ held: 0, lost: 5, rows: MAX_HELD });
    // The oldest were the ones dropped; the rest are stored and published once each.
    expect(inner.rows[0]!.cmd).toBe(1005);
    expect(published).toHaveLength(MAX_HELD);
  });
});
