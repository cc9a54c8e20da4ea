import type { Statement } from 'better-sqlite3';
import type pino from 'pino';
import type { SyslogTarget } from '../../config/schema.js';
import { backoffDelay, type Backoff } from '../backoff.js';
import { bumpCounter, readCounter, type Db } from '../outbox.js';
import type { TargetStatus } from '../status.js';
import { facilityCode, formatMessage, type FormatOptions, type SyslogEntry } from './format.js';
import { createTransport, describeTarget, type Transport } from './transport.js';

// One syslog target. Every message is first written to its bounded queue in the outbox (in the
// caller's transaction), then drained in order by one loop that (re)connects with backoff. The
// caller never waits on the network; a target that is down only grows its queue, up to queueMax.

const BATCH = 200;

export class SyslogSink {
  private readonly fmt: FormatOptions;
  private readonly backoff: Backoff;
  private readonly writeTimeoutMs: number | undefined;
  private insert: Statement<unknown[]> | null = null;
  private readonly log: pino.Logger;
  private transport: Transport | null = null;
  private queued: number;
  private dropped: number;
  private sent = 0;
  private attempt = 0;
  private lastError: string | null = null;
  private draining: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private overflowing = false;
  private closed = false;

  constructor(
    readonly key: string,
    private readonly target: SyslogTarget,
    private readonly db: Db,
    opts: { hostname: string; logger: pino.Logger; backoff: Backoff; writeTimeoutMs?: number | undefined },
  ) {
    this.backoff = opts.backoff;
    this.writeTimeoutMs = opts.writeTimeoutMs;
    this.fmt = {
      format: target.format,
      facility: facilityCode(target.facility),
      appName: target.appName,
      hostname: opts.hostname,
      procId: String(process.pid),
    };
    this.log = opts.logger.child({ sink: 'syslog', target: key });
    this.queued = (db.prepare('SELECT count(*) AS n FROM syslog_queue WHERE target = ?').get(key) as { n: number }).n;
    this.dropped = readCounter(db, key, 'dropped');
  }

  /** Adds entries to the queue; call inside a transaction, then `kick()` after it commits. */
  enqueue(entries: SyslogEntry[], now: number): void {
    const insert = (this.insert ??= this.db.prepare('INSERT INTO syslog_queue (target, message, created) VALUES (?, ?, ?)'));
    let dropped = 0;
    for (const e of entries) {
      if (this.queued >= this.target.queueMax) {
        dropped++;
        continue;
      }
      insert.run(this.key, formatMessage(e, this.fmt), now);
      this.queued++;
    }
    if (dropped) {
      bumpCounter(this.db, this.key, 'dropped', dropped);
      this.dropped += dropped;
      if (!this.overflowing) {
        this.overflowing = true;
        this.log.error(
          { queued: this.queued, queueMax: this.target.queueMax, droppedTotal: this.dropped },
          'syslog queue full: new messages are being dropped until the target drains',
        );
      }
    }
  }

  kick(): void {
    if (this.closed || this.draining || this.retryTimer) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
  }

  get idle(): boolean {
    return this.queued === 0 && !this.draining;
  }

  /** Nothing more will happen soon: empty, or waiting out a backoff. */
  get settled(): boolean {
    return this.idle || this.retryTimer !== null;
  }

  status(): TargetStatus {
    const connected = !!this.transport && !this.transport.broken;
    return {
      kind: 'syslog',
      name: this.key,
      type: this.target.type,
      address: describeTarget(this.target),
      ok: this.lastError === null && !this.overflowing,
      connected,
      queued: this.queued,
      dropped: this.dropped,
      delivered: this.sent,
      pending: this.queued,
      gaveUp: 0,
      lastError: this.lastError,
    };
  }

  /** Resolves once a send in progress has ended (after close). */
  async stopped(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    const select = this.db.prepare('SELECT id, message FROM syslog_queue WHERE target = ? ORDER BY id LIMIT ?');
    const remove = this.db.prepare('DELETE FROM syslog_queue WHERE target = ? AND id <= ?');
    try {
      while (!this.closed) {
        const rows = select.all(this.key, BATCH) as Array<{ id: number; message: Buffer }>;
        if (!rows.length) break;
        if (!this.transport || this.transport.broken) await this.connect();
        const n = await this.transport!.send(rows.map((r) => r.message));
        if (this.closed) break;
        remove.run(this.key, rows[n - 1]!.id);
        this.queued -= n;
        this.sent += n;
        if (n < rows.length) throw new Error(`${describeTarget(this.target)}: connection lost mid-batch`);
        if (this.attempt > 0 || this.lastError) {
          this.log.info({ queued: this.queued }, 'syslog target reachable again; draining the queue');
        }
        this.attempt = 0;
        this.lastError = null;
        if (this.overflowing && this.queued < this.target.queueMax) {
          this.overflowing = false;
          this.log.warn({ droppedTotal: this.dropped }, 'syslog queue has room again');
        }
      }
    } catch (err) {
      if (!this.closed) this.scheduleRetry(err as Error);
    }
  }

  private async connect(): Promise<void> {
    this.transport?.close();
    this.transport = null;
    const t = createTransport(this.target, this.writeTimeoutMs);
    await t.open();
    if (this.closed) {
      t.close();
      throw new Error('closed');
    }
    this.transport = t;
  }

  private scheduleRetry(err: Error): void {
    this.transport?.close();
    this.transport = null;
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.backoff);
    if (this.lastError !== err.message) {
      this.log.warn({ err: err.message, queued: this.queued, retryInMs: delay }, 'syslog target unreachable; queueing on disk');
    }
    this.lastError = err.message;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.transport?.close();
    this.transport = null;
  }
}

/** Each target's queue name, stable across restarts and config reordering: `type:address:format`. */
export function syslogKeys(targets: SyslogTarget[]): string[] {
  const seen = new Map<string, number>();
  return targets.map((t) => {
    const base = `${t.type}:${t.type === 'unix' ? t.path : `${t.host}:${t.port}`}:${t.format}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}
