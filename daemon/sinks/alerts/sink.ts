import type { Statement } from 'better-sqlite3';
import type pino from 'pino';
import type { AlertTarget } from '../../config/schema.js';
import { backoffDelay, type Backoff } from '../backoff.js';
import type { Db } from '../outbox.js';
import type { TargetStatus } from '../status.js';
import { safeOrigin, type HttpOutcome } from './http.js';
import { newMessageId } from './ids.js';
import { SUMMARY_ITEMS_MAX, type AlertItem, type SummaryItem } from './items.js';
import type { Payload } from './render.js';
import { deliver } from './send.js';

// One alert target's delivery loop over the outbox. Rows are inserted in the caller's transaction
// with a unique (target, key), so an event republished after a restart is not sent twice. One
// request at a time per target, oldest due row first. At most `perMinute` deliveries per sliding
// minute: when only one slot is left and several alerts are due, they go out as ONE summary.

export interface AlertTuning {
  backoff: Backoff;
  /** Length of the "minute" of perMinute and maxAgeMinutes (tests shorten it). */
  minuteMs: number;
}

interface Row {
  id: number;
  key: string;
  msg_id: string;
  kind: 'event' | 'summary';
  item: string;
  created: number;
  attempts: number;
}

const KEEP_DONE_MS = 7 * 24 * 3600_000;

export class AlertSink {
  private readonly log: pino.Logger;
  private readonly insert: Statement<unknown[]>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private pausedUntil = 0;
  private lastError: string | null = null;
  private closed = false;

  constructor(
    readonly target: AlertTarget,
    private readonly db: Db,
    opts: { logger: pino.Logger },
    private readonly tuning: AlertTuning,
  ) {
    this.log = opts.logger.child({ sink: 'alert', target: target.name });
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO alerts (target, key, msg_id, kind, item, created, next_at, state)
       VALUES (?, ?, ?, 'event', ?, ?, ?, 'pending')`,
    );
    db.prepare(`DELETE FROM alerts WHERE target = ? AND state != 'pending' AND done_at < ?`).run(target.name, Date.now() - KEEP_DONE_MS);
  }

  /** Adds one alert (ignored if this (target, key) was seen); call inside a transaction. */
  enqueue(key: string, item: AlertItem, now: number): void {
    this.insert.run(this.target.name, key, newMessageId(), JSON.stringify(item), now, now);
  }

  kick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = null;
      });
    }
  }

  /** No request in flight: the loop is asleep until a row is due. */
  get settled(): boolean {
    return !this.running;
  }

  get idle(): boolean {
    return !this.running && this.count('pending') === 0;
  }

  status(): TargetStatus {
    return alertStatus(this.db, this.target, { lastError: this.lastError, connected: this.lastError === null });
  }

  /**
   * Stops the loop. A request in flight is let finish (bounded by timeoutMs) and its outcome
   * recorded: aborting it would leave the receiver holding a message we would send again.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private count(state: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts WHERE target = ? AND state = ?').get(this.target.name, state) as { n: number }).n;
  }

  private async run(): Promise<void> {
    const name = this.target.name;
    const firstDue = this.db.prepare(
      `SELECT id, key, msg_id, kind, item, created, attempts FROM alerts
       WHERE target = ? AND state = 'pending' AND next_at <= ? ORDER BY id LIMIT 1`,
    );
    const nextAt = this.db.prepare(`SELECT min(next_at) AS t FROM alerts WHERE target = ? AND state = 'pending'`);
    const window = this.db.prepare(
      `SELECT count(*) AS n, min(done_at) AS oldest FROM alerts WHERE target = ? AND state = 'delivered' AND done_at > ?`,
    );
    while (!this.closed) {
      const now = Date.now();
      this.expire(now);
      if (this.pausedUntil > now) return this.wake(this.pausedUntil - now);
      let row = firstDue.get(name, now) as Row | undefined;
      if (!row) {
        const t = (nextAt.get(name) as { t: number | null }).t;
        return t === null ? undefined : this.wake(t - now);
      }
      const w = window.get(name, now - this.tuning.minuteMs) as { n: number; oldest: number | null };
      const budget = this.target.perMinute - w.n;
      if (budget <= 0) return this.wake(w.oldest! + this.tuning.minuteMs - now + 1);
      if (row.kind === 'event' && budget === 1) row = this.summarise(now) ?? row;
      await this.attempt(row);
    }
  }

  /** Folds every due event row into one summary row (same transaction), or null if only one. */
  private summarise(now: number): Row | null {
    const name = this.target.name;
    return this.db.transaction((): Row | null => {
      const rows = this.db
        .prepare(
          `SELECT id, item, created FROM alerts
           WHERE target = ? AND state = 'pending' AND kind = 'event' AND next_at <= ? ORDER BY id`,
        )
        .all(name, now) as Array<{ id: number; item: string; created: number }>;
      if (rows.length < 2) return null;
      const items = rows.map((r) => JSON.parse(r.item) as AlertItem);
      const byEvent: Record<string, number> = {};
      for (const i of items) byEvent[i.event] = (byEvent[i.event] ?? 0) + 1;
      const summary: SummaryItem = {
        count: items.length,
        from: Math.min(...items.map((i) => i.ts)),
        to: Math.max(...items.map((i) => i.ts)),
        byEvent,
        items: items.slice(0, SUMMARY_ITEMS_MAX),
      };
      const created = Math.min(...rows.map((r) => r.created));
      const key = `summary:${rows[0]!.id}-${rows[rows.length - 1]!.id}`;
      const msgId = newMessageId();
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO alerts (target, key, msg_id, kind, item, created, next_at, state)
           VALUES (?, ?, ?, 'summary', ?, ?, ?, 'pending')`,
        )
        .run(name, key, msgId, JSON.stringify(summary), created, now);
      const id = Number(lastInsertRowid);
      const mark = this.db.prepare(`UPDATE alerts SET state = 'summarised', summary_id = ?, done_at = ? WHERE id = ?`);
      for (const r of rows) mark.run(id, now, r.id);
      this.log.info({ count: rows.length, perMinute: this.target.perMinute }, 'alert rate limit reached: summarising a burst');
      return { id, key, msg_id: msgId, kind: 'summary', item: JSON.stringify(summary), created, attempts: 0 };
    })();
  }

  private async attempt(row: Row): Promise<void> {
    const payload: Payload =
      row.kind === 'summary'
        ? { kind: 'summary', summary: JSON.parse(row.item) as SummaryItem }
        : { kind: 'event', item: JSON.parse(row.item) as AlertItem };
    this.record(row, await deliver(this.target, payload, row.msg_id));
  }

  private record(row: Row, out: HttpOutcome): void {
    const now = Date.now();
    const attempts = row.attempts + 1;
    if (out.ok) {
      this.db.prepare(`UPDATE alerts SET state = 'delivered', attempts = ?, done_at = ?, last_error = NULL WHERE id = ?`).run(attempts, now, row.id);
      if (this.lastError) this.log.info({ attempts }, 'alert target answering again');
      this.lastError = null;
      return;
    }
    this.lastError = out.error;
    if (out.permanent) {
      this.giveUp([row.id], `${out.error} (not retried: the receiver refuses this request)`, now);
      return;
    }
    const delay = out.retryAfterMs ?? backoffDelay(attempts, this.tuning.backoff);
    if (out.status === 429) this.pausedUntil = now + delay;
    this.db.prepare(`UPDATE alerts SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?`).run(attempts, now + delay, out.error, row.id);
    this.log.warn({ err: out.error, attempts, retryInMs: delay }, 'alert delivery failed; will retry');
  }

  /** Rows older than maxAgeMinutes are given up, kept (7 days, for status) and logged. */
  private expire(now: number): void {
    const cutoff = now - this.target.maxAgeMinutes * this.tuning.minuteMs;
    const ids = (
      this.db.prepare(`SELECT id FROM alerts WHERE target = ? AND state = 'pending' AND created < ?`).all(this.target.name, cutoff) as Array<{
        id: number;
      }>
    ).map((r) => r.id);
    if (ids.length) this.giveUp(ids, `older than maxAgeMinutes (${this.target.maxAgeMinutes})`, now);
  }

  private giveUp(ids: number[], reason: string, now: number): void {
    const mark = this.db.prepare(`UPDATE alerts SET state = 'gave-up', done_at = ?, last_error = coalesce(last_error || '; ', '') || ? WHERE id = ?`);
    this.db.transaction(() => {
      for (const id of ids) mark.run(now, reason, id);
    })();
    this.log.error({ count: ids.length, reason, lastError: this.lastError }, 'alerts given up');
  }

  private wake(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.kick();
      },
      Math.max(0, ms),
    );
    this.timer.unref();
  }
}

/** Status from the outbox alone: used live by the sinks and read-only by `doctor`. */
export function alertStatus(db: Db, t: AlertTarget, live: { lastError: string | null; connected: boolean }): TargetStatus {
  const counts: Record<string, number> = {};
  for (const r of db.prepare('SELECT state, count(*) AS n FROM alerts WHERE target = ? GROUP BY state').all(t.name) as Array<{
    state: string;
    n: number;
  }>) {
    counts[r.state] = r.n;
  }
  const lastError =
    live.lastError ??
    (
      db.prepare(`SELECT last_error FROM alerts WHERE target = ? AND state = 'pending' AND last_error IS NOT NULL ORDER BY id LIMIT 1`).get(t.name) as
        | { last_error: string }
        | undefined
    )?.last_error ??
    null;
  const gaveUp = counts['gave-up'] ?? 0;
  return {
    kind: 'alert',
    name: t.name,
    type: t.type,
    address: safeOrigin(t.url),
    ok: lastError === null && gaveUp === 0,
    connected: live.connected,
    queued: counts.pending ?? 0,
    dropped: 0,
    delivered: counts.delivered ?? 0,
    pending: counts.pending ?? 0,
    gaveUp,
    lastError,
  };
}
