import type pino from 'pino';
import type { StoredEvent } from '../contract/events.js';
import { alertEventOf, itemOf, wants, type AlertItem } from './alerts/items.js';
import { eventEntry } from './syslog/entries.js';
import type { SyslogEntry } from './syslog/format.js';
import type { Targets } from './targets.js';

// One turn's worth of published things, rendered and queued in the outbox in one transaction.

/** What publish* hands over: a stored row, or a ready syslog entry (with its alert, if any). */
export type Pending = { t: 'event'; e: StoredEvent } | { t: 'syslog'; entry: SyslogEntry; alert?: Alerted };

export interface Alerted {
  /** Idempotency key in the outbox. */
  key: string;
  item: AlertItem;
}

export interface Rendered {
  entries: SyslogEntry[];
  alerted: Alerted[];
}

/** Renders a batch before its transaction: one malformed row is skipped (and logged), not the batch. */
export function renderBatch(batch: Pending[], redact: (s: string) => string, log: pino.Logger): Rendered {
  const entries: SyslogEntry[] = [];
  const alerted: Alerted[] = [];
  for (const p of batch) {
    try {
      if (p.t === 'syslog') {
        entries.push(p.entry);
        if (p.alert) alerted.push(p.alert);
        continue;
      }
      entries.push(eventEntry(p.e, redact));
      const event = alertEventOf(p.e);
      if (event) alerted.push({ key: `seq:${p.e.seq}:${p.e.hash.slice(0, 16)}`, item: itemOf(p.e, event, redact) });
    } catch (err) {
      log.error({ err: (err as Error).message, seq: p.t === 'event' ? p.e?.seq : undefined }, 'sinks: skipped a malformed row');
    }
  }
  return { entries, alerted };
}

/** Queues a rendered batch for every target that wants it, in one outbox transaction (throws when it fails). */
export function enqueueBatch(targets: Targets, r: Rendered, now: number): void {
  targets.db.transaction(() => {
    for (const { key, item } of r.alerted) for (const a of targets.alerts) if (wants(a.target, item)) a.enqueue(key, item, now);
    for (const s of targets.syslog) s.enqueue(r.entries, now);
  })();
}
