import { hostname as osHostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type pino from 'pino';
import type { Config } from '../config/schema.js';
import type { StoredEvent, PublishedHead } from '../contract/events.js';
import { AlertSink, type AlertTuning } from './alerts/sink.js';
import { alertEventOf, bareItem, itemOf, wants, type AlertItem } from './alerts/items.js';
import type { Backoff } from './backoff.js';
import { sinkRedactor } from './guard.js';
import { openOutbox, type Db } from './outbox.js';
import type { TargetStatus } from './status.js';
import { daemonEntry, eventEntry, headEntry, verifyFailedEntry } from './syslog/entries.js';
import { facilityCode, type SyslogEntry } from './syslog/format.js';
import { SyslogSink, syslogKeys } from './syslog/sink.js';

// The sinks: every stored audit row, chain head and daemon start/stop goes to each syslog target;
// the rows a team asked for go to its Slack / webhook targets. `publish*` only append to an
// in-memory batch and return; a setImmediate writes the batch into the outbox in one transaction,
// and per-target loops deliver from there. Nothing here can block or throw into the hook path.

export type { TargetStatus } from './status.js';
export { probeTargets } from './probe.js';
export { sendTestAlert } from './alerts/send.js';
export type { HttpOutcome } from './alerts/http.js';

export interface Sinks {
  publish(e: StoredEvent): void;
  publishHead(head: PublishedHead): void;
  publishDaemon(event: 'start' | 'stop', detail?: string): void;
  verifyFailed(detail: string): void;
  status(): Promise<TargetStatus[]>;
  /** Resolves when every queue is empty, or after timeoutMs (whatever is left stays on disk). */
  flush(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface SinksOptions {
  dataDir: string;
  logger: pino.Logger;
  hostname?: string;
  /** Internal: retry delays and the length of a minute, shortened by tests. */
  tuning?: Partial<{ syslogBackoff: Backoff; alertBackoff: Backoff; minuteMs: number; syslogWriteTimeoutMs: number }>;
}

const CLOSE_GRACE_MS = 2_000;

/**
 * One owner per outbox in this process: two instances draining the same queue would send rows
 * twice. A new createSinks on a dataDir (a config reload) closes the previous instance first.
 */
const owners = new Map<string, Sinks>();

type Pending =
  | { t: 'event'; e: StoredEvent }
  | { t: 'syslog'; entry: SyslogEntry; alert?: { key: string; item: AlertItem } };

export function createSinks(config: Config, opts: SinksOptions): Sinks {
  const hostname = opts.hostname ?? osHostname();
  const log = opts.logger.child({ component: 'sinks' });
  const tuning: AlertTuning = {
    backoff: opts.tuning?.alertBackoff ?? { baseMs: 2_000, maxMs: 10 * 60_000 },
    minuteMs: opts.tuning?.minuteMs ?? 60_000,
  };
  const syslogBackoff = opts.tuning?.syslogBackoff ?? { baseMs: 500, maxMs: 30_000 };
  // A target with an unknown facility is left out (logged; doctor shows it): a syslog typo must
  // not stop the daemon that guards the shells.
  const usable = config.syslog.targets.map((t) => {
    try {
      facilityCode(t.facility);
      return true;
    } catch (err) {
      log.error({ err: (err as Error).message, target: t.type }, 'syslog target left out: fix its facility in the config');
      return false;
    }
  });

  // No target at all (the default config): a stored row has nowhere to go, so publishing it costs
  // nothing (no rendering, no outbox transaction). Targets only change through a new createSinks.
  const anyTarget = usable.some(Boolean) || config.alerts.targets.length > 0;
  let pending: Pending[] = [];
  let scheduled = false;
  let closed = false;
  const redact = sinkRedactor(config);
  let syslog: SyslogSink[] = [];
  let alerts: AlertSink[] = [];
  let db: Db | null = null;

  const ownerKey = resolvePath(opts.dataDir);
  const previous = owners.get(ownerKey);
  const ready = (async () => {
    if (previous) await previous.close();
    db = await openOutbox(opts.dataDir);
    const keys = syslogKeys(config.syslog.targets);
    syslog = config.syslog.targets.flatMap((t, i) =>
      usable[i] ? [new SyslogSink(keys[i]!, t, db!, { hostname, logger: opts.logger, backoff: syslogBackoff, writeTimeoutMs: opts.tuning?.syslogWriteTimeoutMs })] : [],
    );
    alerts = config.alerts.targets.map((t) => new AlertSink(t, db!, { logger: opts.logger }, tuning));
    // Resume what a previous run left in the outbox.
    for (const s of [...syslog, ...alerts]) s.kick();
  })();
  ready.catch((err: Error) => log.error({ err: err.message }, 'sinks could not start; audit rows stay in the audit database only'));

  function push(p: Pending): void {
    if (closed || !anyTarget) return;
    pending.push(p);
    if (!scheduled) {
      scheduled = true;
      setImmediate(
        () =>
          void ready.then(writeBatch, () => {
            // no outbox: the rows stay in the audit database only (logged at start)
            scheduled = false;
            pending = [];
          }),
      );
    }
  }

  function writeBatch(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (!batch.length || !db || !db.open) return;
    const now = Date.now();
    // Rendered before the transaction: one malformed row is skipped (and logged), not the batch.
    const entries: SyslogEntry[] = [];
    const alerted: Array<{ key: string; item: AlertItem }> = [];
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
    try {
      db.transaction(() => {
        for (const { key, item } of alerted) for (const a of alerts) if (wants(a.target, item)) a.enqueue(key, item, now);
        for (const s of syslog) s.enqueue(entries, now);
      })();
    } catch (err) {
      log.error({ err: (err as Error).message, lost: batch.length }, 'could not write to the sinks outbox; these rows stay in the audit database only');
      return;
    }
    for (const s of [...syslog, ...alerts]) s.kick();
  }


  const safe = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'sinks: publish failed');
    }
  };

  let closing: Promise<void> | null = null;
  const sinks: Sinks = {
    publish: (e) => safe(() => push({ t: 'event', e })),
    publishHead: (head) =>
      safe(() =>
        push({
          t: 'syslog',
          entry: headEntry(head),
          alert: {
            key: `head:${head.seq}:${head.hash.slice(0, 16)}`,
            item: bareItem('chain-head', hostname, `audit chain head seq ${head.seq} hash ${head.hash}`, head.ts, { seq: head.seq, hash: head.hash }),
          },
        }),
      ),
    publishDaemon: (event, detail = '') => safe(() => push({ t: 'syslog', entry: daemonEntry(event, redact(detail), Date.now()) })),
    verifyFailed: (detail) =>
      safe(() => {
        const ts = Date.now();
        const text = redact(detail);
        push({
          t: 'syslog',
          entry: verifyFailedEntry(text, ts),
          alert: { key: `verify-failed:${ts}`, item: bareItem('verify-failed', hostname, text, ts, { severity: 'critical' }) },
        });
      }),
    async status() {
      await ready.catch(() => undefined);
      if (!db?.open) return [];
      return [...syslog.map((s) => s.status()), ...alerts.map((a) => a.status())];
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      await ready.catch(() => undefined);
      while (Date.now() < deadline) {
        if (!pending.length && !scheduled && db?.open && [...syslog, ...alerts].every((s) => s.idle)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close() {
      closing ??= closeNow().finally(() => {
        if (owners.get(ownerKey) === sinks) owners.delete(ownerKey);
      });
      return closing;
    },
  };
  owners.set(ownerKey, sinks);
  return sinks;

  async function closeNow(): Promise<void> {
    // Whatever is still in memory goes to the outbox first, so the next start resumes it; then
    // a short grace for targets that are up (the daemon's own "stop" message, the last rows).
    await ready.catch(() => undefined);
    writeBatch();
    closed = true;
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (Date.now() < deadline && ![...syslog, ...alerts].every((s) => s.settled)) await new Promise((r) => setTimeout(r, 10));
    for (const s of syslog) s.close();
    await Promise.all([...syslog.map((s) => s.stopped()), ...alerts.map((a) => a.close())]);
    db?.close();
  }
}
