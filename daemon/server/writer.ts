import type { AuditEvent, ChainHead, PublishedHead, StoredEvent } from '../contract/events.js';

// Groups the events that arrive in the same turn of the event loop into one store transaction
// (one fsync-free WAL commit instead of one per event), resolves each caller only once its
// event is committed (so a reply never acknowledges a row that kill -9 could lose), then hands
// the stored rows to the sinks and publishes the chain head every N rows or M minutes.

export interface WriterStore {
  /** The events actually stored (duplicates left out), in input order. */
  appendMany(events: AuditEvent[]): StoredEvent[];
  head(): ChainHead | null;
}

export interface WriterSinks {
  publish(event: StoredEvent): void;
  /** `ts`: when the head was read (the witness's timestamp). */
  publishHead(head: PublishedHead): void;
}

export interface WriterOptions {
  store: WriterStore;
  /** A getter: sinks are replaced when a reload changes their config. */
  sinks: () => WriterSinks;
  headEvery: () => { rows: number; minutes: number };
  onError: (err: unknown, where: string) => void;
}

interface Pending {
  event: AuditEvent;
  resolve: (stored: StoredEvent | null) => void;
  reject: (err: unknown) => void;
}

export interface Writer {
  /** Resolves with the stored event, or null when it was a duplicate (already recorded). */
  record(event: AuditEvent): Promise<StoredEvent | null>;
  /** Commits whatever is queued now (used on stop). */
  flush(): void;
  stats(): WriterStats;
  close(): void;
}

export interface WriterStats {
  rows: number;
  duplicates: number;
  batches: number;
  /** Events the store refused (the hook spools what it was refused). */
  failed: number;
  /** The last store failure, for `daemon status` / doctor: a disk full or a lock is visible there. */
  lastError: { message: string; at: number } | null;
  /** Events the database refused as a whole (disk full, lock, read-only), kept in memory and retried. */
  held: number;
  /** Events dropped from that memory queue when it was full (counted loss: health and doctor say it). */
  lost: number;
}

/** Events kept in memory while the database refuses writes; past it the oldest are dropped (counted). */
export const MAX_HELD = 10_000;
/** How often the held events are retried (a timer: nothing on the request path waits on it). */
const RETRY_HELD_MS = 2_000;
/** Transactions of held events per retry run (MAX_BATCH each): ~10,000 events drain in a few runs. */
const RETRY_BATCHES_PER_RUN = 16;

/**
 * Failures of the database as a whole (lock held elsewhere, disk full, read-only, I/O): every
 * event of the batch would fail the same way, so retrying them one by one only multiplies the
 * wait (N x busy_timeout under a lock) while the daemon answers nobody.
 */
const DATABASE_WIDE = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|PERM|NOTADB|CORRUPT)/;
const isDatabaseWide = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { code?: unknown }).code === 'string' &&
  DATABASE_WIDE.test((err as { code: string }).code);

/**
 * Events queued past this many are committed once the current I/O callback has run (a socket
 * chunk of pipelined requests) instead of waiting for the loop's turn: measured with 8 pipelined
 * connections, turns of ~3,700 events spent ~30% of the daemon's CPU in GC.
 */
const MAX_BATCH = 256;

export function createWriter(opts: WriterOptions): Writer {
  let queue: Pending[] = [];
  // A full disk (or a lock) degrades recording, never evaluation: what the database refused as a
  // whole waits here (the callers were told: the hooks spool it too, the store keeps one copy).
  let held: AuditEvent[] = [];
  let lost = 0;
  let failed = 0;
  let lastError: WriterStats['lastError'] = null;
  let scheduled = false;
  let rows = 0;
  let duplicates = 0;
  let batches = 0;
  let rowsSinceHead = 0;
  let lastHeadAt = Date.now();

  const publishHead = (): void => {
    rowsSinceHead = 0;
    lastHeadAt = Date.now();
    try {
      const head = opts.store.head();
      if (head !== null) opts.sinks().publishHead({ seq: head.seq, hash: head.hash, ts: Date.now() });
    } catch (err) {
      opts.onError(err, 'publishHead');
    }
  };

  const appendOne = (event: AuditEvent): StoredEvent | null | Error => {
    try {
      return alignStored([event], opts.store.appendMany([event]))[0] ?? null;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };

  const flush = (): void => {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    let stored: Array<StoredEvent | null | Error>;
    const events = batch.map((p) => p.event);
    try {
      stored = alignStored(events, opts.store.appendMany(events));
    } catch (err) {
      opts.onError(err, 'store');
      const error = err instanceof Error ? err : new Error(String(err));
      // One bad event must not fail the others that shared its transaction: retry one by one,
      // unless the database itself refuses (then all would fail, each after its own wait).
      stored = batch.length === 1 || isDatabaseWide(err) ? batch.map(() => error) : batch.map((p) => appendOne(p.event));
    }
    for (const s of stored) {
      if (!(s instanceof Error)) continue;
      failed++;
      lastError = { message: s.message, at: Date.now() };
    }
    batches++;
    batch.forEach((p, i) => {
      const s = stored[i] ?? null;
      if (s instanceof Error) {
        if (isDatabaseWide(s)) hold(p.event);
        return p.reject(s);
      }
      p.resolve(s);
      landed(s);
    });
    if (rowsSinceHead >= opts.headEvery().rows) publishHead();
  };

  const landed = (s: StoredEvent | null): void => {
    if (s === null) {
      duplicates++;
      return;
    }
    rows++;
    rowsSinceHead++;
    try {
      opts.sinks().publish(s);
    } catch (err) {
      opts.onError(err, 'publish');
    }
  };

  const hold = (event: AuditEvent): void => {
    held.push(event);
    if (held.length > MAX_HELD) {
      held.shift();
      lost++;
    }
  };

  // The held events are retried a period, in transactions of MAX_BATCH (a disk with a little
  // room again takes a few small ones, never one huge one), a bounded number per run so the
  // main loop is not held; the first refusal ends the run.
  const retryHeld = (): void => {
    for (let i = 0; i < RETRY_BATCHES_PER_RUN && held.length > 0; i++) {
      const events = held.slice(0, MAX_BATCH);
      try {
        const stored = alignStored(events, opts.store.appendMany(events));
        held = held.slice(events.length);
        stored.forEach(landed);
      } catch (err) {
        lastError = { message: err instanceof Error ? err.message : String(err), at: Date.now() };
        break;
      }
    }
    if (rowsSinceHead >= opts.headEvery().rows) publishHead();
  };
  /** One run at stop; true when it made progress. */
  const retryOnce = (): boolean => {
    const before = held.length;
    retryHeld();
    return held.length < before;
  };
  const retryTimer = setInterval(retryHeld, RETRY_HELD_MS);
  retryTimer.unref();

  // Time-based head publication: only when rows landed since the last one.
  const timer = setInterval(() => {
    if (rowsSinceHead > 0 && Date.now() - lastHeadAt >= opts.headEvery().minutes * 60_000) publishHead();
  }, 5_000);
  timer.unref();

  return {
    record(event) {
      return new Promise((resolve, reject) => {
        queue.push({ event, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
        // A pipelined burst can queue thousands of events before the loop turns; committing
        // them in bounded batches keeps what waits for a commit (events, promises, replies)
        // short-lived, so the GC does not copy and promote it.
        if (queue.length === MAX_BATCH) queueMicrotask(flush);
      });
    },
    flush,
    stats: () => ({ rows, duplicates, batches, failed, lastError, held: held.length, lost }),
    close() {
      flush();
      while (held.length > 0 && retryOnce()) {
        /* drained in batches at stop */
      }
      if (rowsSinceHead > 0) publishHead();
      clearInterval(timer);
      clearInterval(retryTimer);
    },
  };
}

/** Same record: the store's key (kind, session, cmd) and the time, compared field by field (no key strings per event). */
const same = (a: AuditEvent, b: AuditEvent): boolean =>
  a.kind === b.kind && a.session === b.session && (a.cmd ?? null) === (b.cmd ?? null) && a.ts === b.ts;

/**
 * The store returns only what it stored, in input order (a subsequence). Line it up with the
 * input: an input is stored when the next stored event has its key; a duplicate (same key as a
 * row already there, or earlier in the batch) is not, so the greedy walk cannot mis-assign.
 */
export function alignStored(input: AuditEvent[], stored: StoredEvent[]): Array<StoredEvent | null> {
  const out = new Array<StoredEvent | null>(input.length);
  let j = 0;
  for (let i = 0; i < input.length; i++) {
    const s = stored[j];
    if (s !== undefined && same(s, input[i]!)) {
      j++;
      out[i] = s;
    } else {
      out[i] = null;
    }
  }
  return out;
}
