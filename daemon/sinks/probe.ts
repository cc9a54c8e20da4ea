import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { AlertTarget, Config, SyslogTarget } from '../config/schema.js';
import { alertStatus } from './alerts/sink.js';
import { outboxFile, readCounter, openOutbox, type Db } from './outbox.js';
import type { TargetStatus } from './status.js';
import { probeEntry } from './syslog/entries.js';
import { facilityCode, formatMessage } from './syslog/format.js';
import { syslogKeys } from './syslog/sink.js';
import { createTransport, describeTarget, type Transport } from './syslog/transport.js';
import { safeOrigin } from './alerts/http.js';

// `prodguard doctor`: does each target answer now, and what does the outbox (read-only; the
// daemon owns it) say about queued, dropped and given-up messages. Syslog targets are connected
// to (UDP, which cannot answer, gets one debug-level probe and a moment for an ICMP refusal);
// alert targets get a TCP/TLS connection only: no message lands in a team channel.

const UDP_GRACE_MS = 300;

export async function probeTargets(config: Config, opts: { dataDir: string; timeoutMs?: number }): Promise<TargetStatus[]> {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  let db: Db | null = null;
  if (existsSync(outboxFile(opts.dataDir))) {
    try {
      db = await openOutbox(opts.dataDir, { readonly: true });
    } catch {
      db = null;
    }
  }
  try {
    const keys = syslogKeys(config.syslog.targets);
    const syslog = config.syslog.targets.map((t, i) => probeSyslog(t, keys[i]!, db, timeoutMs));
    const alerts = config.alerts.targets.map((t) => probeAlert(t, db, timeoutMs));
    return await Promise.all([...syslog, ...alerts]);
  } finally {
    db?.close();
  }
}

async function probeSyslog(t: SyslogTarget, key: string, db: Db | null, timeoutMs: number): Promise<TargetStatus> {
  const queued = db ? (db.prepare('SELECT count(*) AS n FROM syslog_queue WHERE target = ?').get(key) as { n: number }).n : 0;
  const dropped = db ? readCounter(db, key, 'dropped') : 0;
  let error: string | null = null;
  try {
    facilityCode(t.facility);
    const tr = createTransport(t);
    await withTimeout(probeTransport(t, tr), timeoutMs, () => tr.close());
  } catch (err) {
    error = (err as Error).message;
  }
  const full = queued >= t.queueMax;
  const status: TargetStatus = {
    kind: 'syslog',
    name: key,
    type: t.type,
    address: describeTarget(t),
    ok: error === null && !full,
    connected: error === null,
    queued,
    dropped,
    delivered: 0,
    pending: queued,
    gaveUp: 0,
    lastError: error,
  };
  const advice: string[] = [];
  if (error) advice.push(syslogAdvice(t, error));
  if (full) advice.push(`its queue is full (${queued} of queueMax ${t.queueMax}): new messages are dropped until it drains`);
  if (dropped) advice.push(`${dropped} message(s) were dropped in the past because the queue was full; raise queueMax or keep the target up`);
  if (advice.length) status.advice = advice.join('; ');
  return status;
}

async function probeTransport(t: SyslogTarget, tr: Transport): Promise<void> {
  await tr.open();
  try {
    if (t.type !== 'udp') return;
    const probe = formatMessage(probeEntry(Date.now()), {
      format: t.format,
      facility: facilityCode(t.facility),
      appName: t.appName,
      hostname: osHostname(),
      procId: String(process.pid),
    });
    await tr.send([probe]);
    await new Promise((r) => setTimeout(r, UDP_GRACE_MS));
    if (tr.broken) throw new Error(`udp://${t.host}:${t.port} refused the probe (ICMP port unreachable)`);
  } finally {
    tr.close();
  }
}

function syslogAdvice(t: SyslogTarget, error: string): string {
  if (/facility/.test(error)) return `fix "facility" of this target in the config`;
  if (t.type === 'unix') return `no syslog daemon listens on ${t.path}: start rsyslog/journald (or remove this target)`;
  if (/certificate|self.signed|CERT|issuer/i.test(error)) return `the TLS certificate is not trusted: set "ca" to the receiver's CA file (PEM)`;
  return `start the receiver at ${describeTarget(t)} or fix host/port in the config; rows queue on disk meanwhile`;
}

async function probeAlert(t: AlertTarget, db: Db | null, timeoutMs: number): Promise<TargetStatus> {
  let error: string | null = null;
  try {
    const r = reach(t.url);
    await withTimeout(r.done, Math.min(timeoutMs, t.timeoutMs), r.cancel);
  } catch (err) {
    error = `cannot reach ${safeOrigin(t.url)}: ${(err as Error).message}`;
  }
  const base: TargetStatus = db
    ? alertStatus(db, t, { lastError: error, connected: error === null })
    : {
        kind: 'alert',
        name: t.name,
        type: t.type,
        address: safeOrigin(t.url),
        ok: error === null,
        connected: error === null,
        queued: 0,
        dropped: 0,
        delivered: 0,
        pending: 0,
        gaveUp: 0,
        lastError: error,
      };
  const advice: string[] = [];
  if (error) advice.push(`check the URL and the network, then run \`prodguard alert test ${t.name}\``);
  else if (base.lastError)
    advice.push(`deliveries are failing (${base.lastError}); run \`prodguard alert test ${t.name}\` to see the receiver's answer`);
  if (base.gaveUp) advice.push(`${base.gaveUp} alert(s) were given up in the last 7 days (see the daemon log)`);
  if (t.type === 'webhook' && !t.secret) {
    advice.push('no "secret": receivers cannot verify the signature; set a whsec_ secret');
    base.ok = false;
  }
  if (advice.length) base.advice = advice.join('; ');
  return base;
}

/** A TCP (http) or TLS (https, certificate verified) connection to the URL's host and port. */
function reach(url: string): { done: Promise<void>; cancel: () => void } {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const sock: Socket = https ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host }) : netConnect({ host, port });
  const done = new Promise<void>((resolve, reject) => {
    sock.once(https ? 'secureConnect' : 'connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      sock.destroy();
      reject(new Error(err.code ?? err.message));
    });
  });
  return { done, cancel: () => sock.destroy() };
}

/** Rejects after ms and cancels the attempt so that no socket keeps the CLI alive. */
function withTimeout<T>(p: Promise<T>, ms: number, cancel: () => void): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`no answer within ${ms} ms`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
