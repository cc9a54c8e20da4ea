import { connect } from 'node:net';
import pino from 'pino';
import { createSinks } from '../../daemon/sinks/index.js';
import { eventEntry } from '../../daemon/sinks/syslog/entries.js';
import { formatMessage, frame } from '../../daemon/sinks/syslog/format.js';
import { startFakeSlack } from '../helpers/fake-slack.js';
import { startRsyslog } from '../helpers/rsyslog.js';
import { config, stored, tempDir } from '../sinks/fixtures.js';
import { fmt, msSince, summarize, type BenchSection } from './report.js';

// Sinks: what publish() costs the caller (the daemon's hook path), how fast rows reach a real
// rsyslogd through the disk-backed queue vs. writing the same frames straight to a socket, how
// fast a backlog drains after an outage, and the publish-to-Slack latency.

const ROWS = 5_000;

export async function bench(): Promise<BenchSection> {
  const rs = await startRsyslog();
  const slack = await startFakeSlack();
  const logger = pino({ level: 'silent' });
  const figures: BenchSection['figures'] = [];
  try {
    // 1. publish() in the caller, with two syslog targets and one alert target configured.
    {
      const { dir, cleanup } = tempDir();
      const cfg = config({
        syslog: {
          targets: [
            { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, appName: 'bench-a' },
            { type: 'unix', path: rs.socket, appName: 'bench-b', format: 'rfc5424' },
          ],
        },
        alerts: { targets: [{ name: 'b', type: 'slack', url: slack.url, perMinute: 1_000 }] },
      });
      const sinks = createSinks(cfg, { dataDir: dir, logger });
      const samples: number[] = [];
      for (let i = 1; i <= ROWS; i++) {
        const t = process.hrtime.bigint();
        sinks.publish(stored(i, { decision: i % 100 === 0 ? 'blocked' : 'allowed' }));
        samples.push(msSince(t));
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      const s = summarize(samples);
      figures.push({
        name: 'publish() in the caller, p99',
        value: s.p99 * 1000,
        unit: 'µs',
        target: '< 1 ms p99 (never waits on I/O)',
        met: s.p99 < 1,
        baseline: `p50 ${fmt(s.p50 * 1000)} µs`,
      });
      await sinks.flush(60_000);
      await sinks.close();
      cleanup();
    }

    // 2. Throughput into rsyslogd (TCP): through the outbox vs. the same frames written directly.
    const before = rs.count();
    const { dir, cleanup } = tempDir();
    const cfg = config({ syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, appName: 'bench-tp' }] } });
    let sinks = createSinks(cfg, { dataDir: dir, logger });
    let t = process.hrtime.bigint();
    for (let i = 1; i <= ROWS; i++) sinks.publish(stored(i));
    await sinks.flush(120_000);
    await until(() => rs.count() >= before + ROWS);
    const viaOutbox = msSince(t);
    await sinks.close();

    const fmtOpts = { format: 'rfc5424' as const, facility: 10, appName: 'bench-raw', hostname: 'h', procId: '1' };
    const frames = Buffer.concat(
      Array.from({ length: ROWS }, (_, i) =>
        frame(
          formatMessage(
            eventEntry(stored(i + 1), (x) => x),
            fmtOpts,
          ),
        ),
      ),
    );
    const before2 = rs.count();
    t = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const sock = connect(rs.tcpPort, '127.0.0.1', () => sock.end(frames, () => resolve()));
      sock.on('error', reject);
    });
    await until(() => rs.count() >= before2 + ROWS);
    const direct = msSince(t);
    figures.push({
      name: `rows/s into rsyslogd over TCP through the disk queue (${ROWS} rows)`,
      value: ROWS / (viaOutbox / 1000),
      unit: 'rows/s',
      target: null,
      met: null,
      baseline: `same frames on a bare socket: ${fmt(ROWS / (direct / 1000), 0)} rows/s`,
    });

    // 3. A backlog after an outage: rows queued while the receiver was down, drained on return.
    const down = await startRsyslog();
    const port = down.tcpPort;
    await down.stop();
    const cfg2 = config({ syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port, appName: 'bench-drain' }] } });
    sinks = createSinks(cfg2, { dataDir: dir, logger, tuning: { syslogBackoff: { baseMs: 20, maxMs: 50 } } });
    for (let i = 1; i <= ROWS; i++) sinks.publish(stored(i));
    await waitQueued(sinks, ROWS);
    const up = await startRsyslog({ tcpPort: port });
    t = process.hrtime.bigint();
    await until(() => up.count() >= ROWS);
    const drain = msSince(t);
    figures.push({
      name: `drain of a ${ROWS}-row backlog after the receiver returns`,
      value: drain,
      unit: 'ms',
      target: null,
      met: null,
      baseline: `includes reconnect backoff (≤ 50 ms here) and rsyslog start`,
    });
    await sinks.close();
    await up.stop();
    cleanup();

    // 4. publish -> Slack answered 200 (one alert at a time).
    {
      const { dir: d2, cleanup: c2 } = tempDir();
      const s2 = createSinks(config({ alerts: { targets: [{ name: 'lat', type: 'slack', url: slack.url, perMinute: 1_000 }] } }), {
        dataDir: d2,
        logger,
      });
      const lat: number[] = [];
      for (let i = 1; i <= 50; i++) {
        const n = slack.accepted().length;
        const t0 = process.hrtime.bigint();
        s2.publish(stored(100_000 + i));
        await until(() => slack.accepted().length > n, 1);
        lat.push(msSince(t0));
      }
      const s = summarize(lat);
      figures.push({
        name: 'publish -> Slack receiver has the alert, p50',
        value: s.p50,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `p99 ${fmt(s.p99)} ms (local HTTP server, outbox commit included; 1 ms polling)`,
      });
      await s2.close();
      c2();
    }
  } finally {
    await slack.close();
    await rs.stop();
  }
  return {
    title: 'Sinks (syslog, alerts)',
    figures,
    notes: [
      'publish() only appends to memory; the outbox write happens on the next event-loop turn, one transaction per batch.',
      'TCP/TLS syslog has no acknowledgements: rows written into a connection the peer has already reset can be lost (RELP would fix this; not implemented).',
    ],
  };
}

async function until(cond: () => boolean, everyMs = 5): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('benchmark condition not met in 120 s');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function waitQueued(sinks: ReturnType<typeof createSinks>, n: number): Promise<void> {
  for (;;) {
    const [s] = await sinks.status();
    if (s && s.queued >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
