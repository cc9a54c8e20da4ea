import { hostname as osHostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type pino from 'pino';
import type { Config } from '../config/schema.js';
import type { StoredEvent, PublishedHead } from '../contract/events.js';
import type { AlertSink } from './alerts/sink.js';
import { bareItem } from './alerts/items.js';
import type { Backoff } from './backoff.js';
import { enqueueBatch, renderBatch, type Pending } from './batch.js';
import { sinkRedactor } from './guard.js';
import type { TargetStatus } from './status.js';
import { daemonEntry, headEntry, verifyFailedEntry } from './syslog/entries.js';
import type { SyslogSink } from './syslog/sink.js';
import { openTargets, usableSyslogTargets, type TargetOptions, type Targets } from './targets.js';

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

export function createSinks(config: Config, opts: SinksOptions): Sinks {
  const hostname = opts.hostname ?? osHostname();
  const log = opts.logger.child({ component: 'sinks' });
  const usable = usableSyslogTargets(config, log);
  // No target at all (the default config): a stored row has nowhere to go, so publishing it costs
  // nothing (no rendering, no outbox transaction). Targets only change through a new createSinks.
  const anyTarget = usable.some(Boolean) || config.alerts.targets.length > 0;
  const redact = sinkRedactor(config);
  let pending: Pending[] = [];
  let scheduled = false;
  let closed = false;
  let targets: Targets | null = null;
  const all = (): Array<SyslogSink | AlertSink> => (targets ? [...targets.syslog, ...targets.alerts] : []);

  const ownerKey = resolvePath(opts.dataDir);
  const previous = owners.get(ownerKey);
  const ready = (async () => {
    if (previous) await previous.close();
    targets = await openTargets(config, opts.dataDir, usable, targetOptions(hostname, opts));
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
    if (!batch.length || !targets?.db.open) return;
    try {
      enqueueBatch(targets, renderBatch(batch, redact, log), Date.now());
    } catch (err) {
      log.error(
        { err: (err as Error).message, lost: batch.length },
        'could not write to the sinks outbox; these rows stay in the audit database only',
      );
      return;
    }
    for (const s of all()) s.kick();
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
    publishHead: (head) => safe(() => push(headPending(head, hostname))),
    publishDaemon: (event, detail = '') => safe(() => push({ t: 'syslog', entry: daemonEntry(event, redact(detail), Date.now()) })),
    verifyFailed: (detail) => safe(() => push(verifyFailedPending(redact(detail), hostname, Date.now()))),
    async status() {
      await ready.catch(() => undefined);
      if (!targets?.db.open) return [];
      return [...targets.syslog.map((s) => s.status()), ...targets.alerts.map((a) => a.status())];
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      await ready.catch(() => undefined);
      while (Date.now() < deadline) {
        if (!pending.length && !scheduled && targets?.db.open && all().every((s) => s.idle)) return;
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
    while (Date.now() < deadline && !all().every((s) => s.settled)) await new Promise((r) => setTimeout(r, 10));
    for (const s of targets?.syslog ?? []) s.close();
    await Promise.all([...(targets?.syslog ?? []).map((s) => s.stopped()), ...(targets?.alerts ?? []).map((a) => a.close())]);
    targets?.db.close();
  }
}

function targetOptions(hostname: string, opts: SinksOptions): TargetOptions {
  return {
    hostname,
    logger: opts.logger,
    syslogBackoff: opts.tuning?.syslogBackoff ?? { baseMs: 500, maxMs: 30_000 },
    syslogWriteTimeoutMs: opts.tuning?.syslogWriteTimeoutMs,
    alertTuning: {
      backoff: opts.tuning?.alertBackoff ?? { baseMs: 2_000, maxMs: 10 * 60_000 },
      minuteMs: opts.tuning?.minuteMs ?? 60_000,
    },
  };
}

/** The chain head as a syslog entry and a `chain-head` alert. */
function headPending(head: PublishedHead, hostname: string): Pending {
  return {
    t: 'syslog',
    entry: headEntry(head),
    alert: {
      key: `head:${head.seq}:${head.hash.slice(0, 16)}`,
      item: bareItem('chain-head', hostname, `audit chain head seq ${head.seq} hash ${head.hash}`, head.ts, { seq: head.seq, hash: head.hash }),
    },
  };
}

/** A failed verification (text already redacted) as a syslog entry and a critical alert. */
function verifyFailedPending(text: string, hostname: string, ts: number): Pending {
  return {
    t: 'syslog',
    entry: verifyFailedEntry(text, ts),
    alert: { key: `verify-failed:${ts}`, item: bareItem('verify-failed', hostname, text, ts, { severity: 'critical' }) },
  };
}
