import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GENESIS, chainHash, wellFormed } from './chain.js';
import { DECIDED, NEXT_USER_SQL, buildLogCount, buildLogQuery, buildWindow } from './query.js';
import { SEVERITIES as SEVERITY_ORDER } from '../contract/enums.js';
import type { AuditEvent, ChainHead, StoredEvent } from '../contract/events.js';
import { INSERT_SQL, insertParams, toLogRow, type LogQueryRow } from './rows.js';
import { SCHEMA_VERSION, migrate, schemaVersion } from './schema.js';
import type { Count, LogFilter, LogRow, PrunePlan, PruneResult, Stats, StatsFilter, VerifyResult } from './types.js';
import { verifyChain, type VerifyOptions } from './verify.js';

// The audit store: one SQLite file, append-only and hash-chained (chain.ts documents the hash).
// The daemon is the writer; the CLI opens it read-only (WAL lets readers run beside the writer).
// This module loads no zod (`prodguard log` opens the store from here: zod costs ~50 ms to load);
// index.ts adds the zod check of appendMany's events and is what everything else imports.

/** Rows a prune deletes per slice (and reports progress after). */
const PRUNE_SLICE_ROWS = 10_000;

export type StoreErrorCode = 'missing' | 'corrupt' | 'version' | 'readonly' | 'invalid' | 'io';

/** A store failure with a message a user can act on; the CLI maps `code` to its exit code. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** How long to wait for another process's write lock (ms). Default 5000. */
  busyTimeoutMs?: number;
  /**
   * wal_autocheckpoint for this connection (pages; SQLite's default 1000). The daemon raises it
   * to a backstop while checkpointer.ts checkpoints in the background.
   */
  autoCheckpointPages?: number;
}

/** Checks one event for appendMany (index.ts passes the zod schema); throws StoreError 'invalid'. */
export type EventCheck = (e: unknown) => AuditEvent;

export interface AuditStore {
  readonly file: string;
  append(e: AuditEvent): StoredEvent | null;
  appendMany(es: AuditEvent[]): StoredEvent[];
  /**
   * appendMany for events the daemon built itself from requests validated at its boundary
   * (server/events.ts): the zod re-parse is skipped (~1/3 of the JS cost of an append).
   */
  appendTrusted(es: AuditEvent[]): StoredEvent[];
  head(): ChainHead | null;
  verify(opts?: VerifyOptions): VerifyResult;
  query(filter: LogFilter): LogRow[];
  /** How many rows `filter` matches in all (its limit aside). */
  count(filter: LogFilter): number;
  stats(filter?: StatsFilter): Stats;
  /** What `prune(before)` would delete, without deleting it. */
  prunable(before: Date): PrunePlan;
  prune(before: Date, opts?: { onProgress?: ((rowsDone: number) => void) | undefined }): PruneResult;
  /** Every row of the table, of every kind (what verify walks). */
  eventCount(): number;
  close(): void;
}

function prepareFile(file: string): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Create the file 0600 before SQLite does (SQLite would honour the umask); -wal and -shm
  // inherit the database file's mode.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

function translate(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreError(
      'corrupt',
      `the audit database ${file} is corrupt or not a database: move it aside and restart the daemon (a new one is created)`,
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_READONLY' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS'
  ) {
    return new StoreError('io', `cannot open the audit database ${file}: check that it and its directory belong to you and are writable`);
  }
  return err;
}

/** Opens the store; appendMany checks each event with `check` (a read-only store never appends). */
export function openStoreWith(check: EventCheck | null, file: string, opts: OpenOptions = {}): AuditStore {
  const readonly = opts.readonly ?? false;
  if (readonly && !existsSync(file)) {
    throw new StoreError('missing', `no audit database at ${file}: the daemon creates it when it first starts (or set PRODGUARD_HOME)`);
  }
  let db: Database.Database;
  try {
    // ':memory:' (the daemon's warm-up): SQLite's own in-memory database, no file to prepare.
    if (!readonly && file !== ':memory:') prepareFile(file);
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw translate(err, file);
  }
  try {
    if (readonly) {
      const v = schemaVersion(db);
      if (v === 0) {
        // Also reads the header: a file that is not SQLite fails here with SQLITE_NOTADB.
        const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events'").pluck().get();
        if (!tables) throw new StoreError('corrupt', `${file} is not a prodguard audit database: point PRODGUARD_HOME elsewhere or move it aside`);
      }
      if (v > SCHEMA_VERSION)
        throw new StoreError('version', `the audit database ${file} was written by a newer prodguard (schema ${v}): upgrade prodguard`);
      if (v < SCHEMA_VERSION)
        throw new StoreError('version', `the audit database ${file} has an older schema (${v}): start the daemon once to upgrade it`);
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      if (opts.autoCheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.trunc(opts.autoCheckpointPages))}`);
      migrate(db);
      for (const side of ['-wal', '-shm']) if (existsSync(file + side)) chmodSync(file + side, 0o600);
    }
  } catch (err) {
    db.close();
    throw translate(err, file);
  }
  return new SqliteStore(file, db, readonly, check);
}

class SqliteStore implements AuditStore {
  private readonly insert: Database.Statement;
  private readonly insertFts: Database.Statement;
  private readonly insertRule: Database.Statement;
  private readonly headStmt: Database.Statement<[], ChainHead>;
  /** Built once: db.transaction() per append cost ~10 us. */
  private readonly appendTx: Database.Transaction<(events: AuditEvent[]) => StoredEvent[]>;
  private readonly cache = new Map<string, Database.Statement>();

  constructor(
    readonly file: string,
    private readonly db: Database.Database,
    private readonly readonly: boolean,
    private readonly check: EventCheck | null,
  ) {
    this.insert = readonly ? (null as never) : db.prepare(INSERT_SQL);
    this.insertFts = readonly ? (null as never) : db.prepare('INSERT INTO events_fts (rowid, command) VALUES (?, ?)');
    this.insertRule = readonly ? (null as never) : db.prepare('INSERT OR IGNORE INTO event_rules (rule, seq) VALUES (?, ?)');
    this.headStmt = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
    this.appendTx = db.transaction((events: AuditEvent[]) => this.chain(events, this.head()));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private writable(): void {
    if (this.readonly) throw new StoreError('readonly', 'the audit store was opened read-only');
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translate(err, this.file);
    }
  }

  append(e: AuditEvent): StoredEvent | null {
    return this.appendMany([e])[0] ?? null;
  }

  appendMany(es: AuditEvent[]): StoredEvent[] {
    this.writable();
    const check = this.check;
    if (check === null) throw new StoreError('invalid', 'audit events cannot be checked: open the store through store/index.js');
    const events = es.map((e) => wellFormed(check(e)));
    return this.commit(events);
  }

  appendTrusted(es: AuditEvent[]): StoredEvent[] {
    this.writable();
    return this.commit(es.map(wellFormed));
  }

  private commit(events: AuditEvent[]): StoredEvent[] {
    // IMMEDIATE: the head is read under the write lock, so a concurrent prune cannot fork the chain.
    return this.run(() => this.appendTx.immediate(events));
  }

  /** Appends after `start` (the head, or for prune the head before rows were deleted). Inside a transaction. */
  private chain(events: AuditEvent[], start: ChainHead | null): StoredEvent[] {
    let seq = start?.seq ?? 0;
    let prev = start?.hash ?? GENESIS;
    const out: StoredEvent[] = [];
    for (const e of events) {
      const hash = chainHash(prev, e);
      if (this.insert.run(insertParams(e, seq + 1, prev, hash)).changes === 1) {
        seq++;
        if (e.command !== null) this.insertFts.run(seq, e.command);
        for (const rule of e.rules) this.insertRule.run(rule, seq);
        out.push(storedEvent(e, seq, prev, hash));
        prev = hash;
      }
    }
    return out;
  }

  head(): ChainHead | null {
    return this.run(() => this.headStmt.get() ?? null);
  }

  verify(opts: VerifyOptions = {}): VerifyResult {
    return this.run(() => verifyChain(this.db, opts));
  }

  eventCount(): number {
    return this.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  }

  count(filter: LogFilter): number {
    const { sql, params } = buildLogCount(this.withUserValues(filter));
    return this.db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  }

  /** `filter` with `user` resolved into the stored values it stands for. */
  private withUserValues(filter: LogFilter): LogFilter {
    const name = filter.user;
    if (name === undefined) return filter;
    const values = [name];
    const claimed = `${name} ($USER=`;
    const end = `${name} ($USER>`;
    // Each further value is one index seek; a shell that claimed other names adds one each.
    for (let last = claimed, n = 0; n < 64; n++) {
      const next = this.stmt(NEXT_USER_SQL).pluck().get(last, end) as string | undefined;
      if (next === undefined) break;
      values.push(next);
      last = next;
    }
    return { ...filter, userValues: values };
  }

  query(filter: LogFilter): LogRow[] {
    const { sql, params } = buildLogQuery(this.withUserValues(filter));
    return this.run(() => (this.stmt(sql).all(...params) as LogQueryRow[]).map(toLogRow));
  }

  stats(filter: StatsFilter = {}): Stats {
    const w = buildWindow(filter.since, filter.until);
    const counts = (col: string) =>
      this.stmt(`SELECT ${col} AS key, count(*) AS count FROM events WHERE ${w.sql} AND ${col} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`).all(
        ...w.params,
      ) as Count[];
    return this.run(() => {
      const count = (kinds: string, extra = '') => {
        const k = buildWindow(filter.since, filter.until, kinds);
        return this.stmt(`SELECT count(*) FROM events WHERE ${k.sql}${extra}`)
          .pluck()
          .get(...k.params) as number;
      };
      const commands = count(DECIDED);
      const sessions = count("kind = 'session-start'");
      const failed = count("kind = 'result'", ' AND exit <> 0');
      const bySeverity = counts('severity').sort((a, b) => SEVERITY_ORDER.indexOf(b.key as never) - SEVERITY_ORDER.indexOf(a.key as never));
      const byRule = this.stmt(
        `SELECT er.rule AS key, count(*) AS count FROM event_rules er JOIN events USING (seq) WHERE ${w.sql} GROUP BY 1 ORDER BY 2 DESC, 1`,
      ).all(...w.params) as Count[];
      const days = this.stmt(
        `SELECT date(ts / 1000, 'unixepoch', 'localtime') AS key, count(*) AS count FROM events WHERE ${w.sql} GROUP BY 1 ORDER BY 1`,
      ).all(...w.params) as Count[];
      return {
        since: filter.since ?? null,
        until: filter.until ?? null,
        commands,
        sessions,
        failed,
        byDecision: counts('decision'),
        bySeverity,
        byRule,
        // By account: a row that also names the shell's differing $USER counts for the account.
        byUser: counts("CASE WHEN instr(user, ' ($USER=') > 0 THEN substr(user, 1, instr(user, ' ($USER=') - 1) ELSE user END"),
        byDay: fillDays(days),
      };
    });
  }

  prunable(before: Date): PrunePlan {
    return this.run(() => {
      const last = this.pruneEnd(before);
      if (!last) return { rows: 0, last: null };
      return { rows: this.db.prepare('SELECT count(*) FROM events WHERE seq <= ?').pluck().get(last.seq) as number, last };
    });
  }

  /** The newest row a prune before `before` removes: only a prefix of the chain can go. */
  private pruneEnd(before: Date): { seq: number; hash: string } | null {
    const head = this.head();
    if (!head) return null;
    const firstKept = this.db.prepare('SELECT min(seq) FROM events WHERE ts >= ?').pluck().get(before.getTime()) as number | null;
    const upto = firstKept === null ? head.seq : firstKept - 1;
    const last = this.db.prepare('SELECT seq, hash FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(upto) as
      | { seq: number; hash: string }
      | undefined;
    return last ?? null;
  }

  prune(before: Date, opts: { onProgress?: ((rowsDone: number) => void) | undefined } = {}): PruneResult {
    this.writable();
    return this.run(() =>
      this.db
        .transaction((): PruneResult => {
          const head = this.head();
          const last = this.pruneEnd(before);
          if (!head || !last) return { deleted: 0, anchor: null, checkpointSeq: null };
          this.db.prepare('UPDATE prune_guard SET upto = ? WHERE id = 1').run(last.seq);
          // The external-content index must be told the old text to forget it. In seq slices, so
          // a long prune can say how far it got (one transaction all the same).
          const forget = this.db.prepare(
            "INSERT INTO events_fts (events_fts, rowid, command) SELECT 'delete', seq, command FROM events WHERE seq > ? AND seq <= ? AND command IS NOT NULL",
          );
          const dropRules = this.db.prepare('DELETE FROM event_rules WHERE seq > ? AND seq <= ?');
          const dropEvents = this.db.prepare('DELETE FROM events WHERE seq > ? AND seq <= ?');
          const first = (this.db.prepare('SELECT min(seq) FROM events').pluck().get() as number) - 1;
          let deleted = 0;
          for (let lo = first; lo < last.seq; lo += PRUNE_SLICE_ROWS) {
            const hi = Math.min(lo + PRUNE_SLICE_ROWS, last.seq);
            forget.run(lo, hi);
            dropRules.run(lo, hi);
            deleted += dropEvents.run(lo, hi).changes;
            opts.onProgress?.(deleted);
          }
          this.db.prepare('UPDATE prune_guard SET upto = NULL WHERE id = 1').run();
          const [cp] = this.chain([checkpointEvent(before, deleted, last)], head);
          return { deleted, anchor: last, checkpointSeq: cp!.seq };
        })
        .immediate(),
    );
  }

  close(): void {
    if (!this.db.open) return;
    if (!this.readonly) this.run(() => this.db.pragma('optimize'));
    this.db.close();
  }
}

/** The stored form of `e`: one literal in a fixed shape (a spread copy was slower, and allocates more). */
function storedEvent(e: AuditEvent, seq: number, prevHash: string, hash: string): StoredEvent {
  return {
    kind: e.kind,
    ts: e.ts,
    session: e.session,
    cmd: e.cmd,
    user: e.user,
    uid: e.uid,
    host: e.host,
    tty: e.tty,
    shell: e.shell,
    pid: e.pid,
    cwd: e.cwd,
    env: e.env,
    signal: e.signal,
    command: e.command,
    rules: e.rules,
    matched: e.matched,
    severity: e.severity,
    decision: e.decision,
    exit: e.exit,
    durationMs: e.durationMs,
    via: e.via,
    anchor: e.anchor ?? null,
    agent: e.agent ?? null,
    approver: e.approver ?? null,
    note: e.note ?? null,
    seq,
    prevHash,
    hash,
  };
}

function checkpointEvent(before: Date, deleted: number, last: ChainHead): AuditEvent {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return wellFormed({
    kind: 'checkpoint',
    ts: Date.now(),
    session: '',
    cmd: null,
    user,
    uid: process.getuid?.() ?? null,
    host: hostname(),
    tty: '',
    shell: '',
    pid: process.pid,
    cwd: process.cwd(),
    env: null,
    signal: null,
    command: `prune --before ${before.toISOString()}: ${deleted} rows up to seq ${last.seq} removed`,
    rules: [],
    matched: [],
    severity: null,
    decision: null,
    exit: null,
    durationMs: null,
    via: 'live',
    anchor: last,
  });
}

/** Adds the missing days (count 0) between the first and the last day seen. */
function fillDays(days: Count[]): Count[] {
  if (days.length < 2) return days;
  const have = new Map(days.map((d) => [d.key, d.count]));
  const out: Count[] = [];
  const day = new Date(`${days[0]!.key}T12:00:00`);
  const lastKey = days[days.length - 1]!.key;
  for (let i = 0; i < 3660; i++) {
    const key = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    out.push({ key, count: have.get(key) ?? 0 });
    if (key === lastKey) break;
    day.setDate(day.getDate() + 1);
  }
  return out;
}
