import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLY_PREFIX, helloLine, knockLine } from '../../daemon/contract/protocol.js';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { readPort, readToken } from '../../cli/daemon-client.js';
import { createHandler } from '../../daemon/server/handler.js';
import { createWriter } from '../../daemon/server/writer.js';
import { openStore } from '../../daemon/store/index.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fmt, msSince, summarize, type BenchFigure, type BenchSection } from './report.js';

// Daemon figures: ingest rate of audit records through the socket with the hash chain, and the
// round trip of one `check` the way the hooks do it (a new connection per command) over the
// unix socket (zsh) and loopback TCP with the token (bash). `health` (no evaluation, no write)
// is the same-run baseline of the transport itself.

const origin = (session: string) => ({ session, shell: 'zsh', pid: 1, tty: '', user: 'bench', host: 'bench' });
const LINES = ['ls -la', 'git status', 'kubectl get pods -n web', 'cat README.md', 'ps aux | grep node', 'df -h /srv'];

/** Pipelines `requests` on one connection; resolves when every reply has arrived. */
function pipeline(open: () => Socket, requests: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = open();
    let replies = 0;
    let failed = 0;
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        if (!buf.startsWith(REPLY_PREFIX.ok)) failed++;
        buf = buf.slice(nl + 1);
        if (++replies === requests.length) {
          s.end();
          return failed ? reject(new Error(`${failed} requests failed`)) : resolve(replies);
        }
      }
    });
    s.on('error', reject);
    s.on('connect', () => {
      // Written in slices so the daemon sees a steady stream, as from many shells.
      for (let i = 0; i < requests.length; i += 200) s.write(`${requests.slice(i, i + 200).join('\n')}\n`);
    });
  });
}

async function ingestRate(d: TestDaemon, connections: number, perConnection: number): Promise<{ rate: number; rows: number }> {
  const before = d.rows<{ n: number }>('SELECT count(*) AS n FROM events')[0]!.n;
  const work = Array.from({ length: connections }, (_, c) => {
    const reqs: string[] = [];
    for (let i = 1; i <= perConnection / 2; i++) {
      const session = `ingest-${c}`;
      reqs.push(
        JSON.stringify({
          v: 1,
          op: 'check',
          origin: origin(session),
          cmd: i,
          line: `${LINES[i % LINES.length]!} #${i}`,
          env: { ENV: 'production' },
          ts: Date.now(),
        }),
      );
      reqs.push(JSON.stringify({ v: 1, op: 'finish', origin: origin(session), cmd: i, exit: 0, durationMs: 3, ts: Date.now() }));
    }
    return reqs;
  });
  const start = process.hrtime.bigint();
  await Promise.all(work.map((reqs) => pipeline(() => connect(d.paths.socket), reqs)));
  const ms = msSince(start);
  const rows = d.rows<{ n: number }>('SELECT count(*) AS n FROM events')[0]!.n - before;
  return { rate: rows / (ms / 1000), rows };
}

/** One request per new connection, sequentially: what a hook pays per command. */
/** TCP's knock/proof handshake, as the bash hook does it before its request (contract/protocol.ts knockLine). */
interface Handshake {
  knock: string;
  hello: string;
}

async function roundTrips(open: () => Socket, make: (i: number) => string, n: number, handshake: Handshake | null = null): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const line = make(i);
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const s = open();
      let proven = handshake === null;
      s.once('connect', () => s.write(`${handshake ? handshake.knock : line}\n`));
      s.on('data', (d: Buffer) => {
        if (!proven) {
          if (d.toString() !== `${handshake!.hello}\n`) return reject(new Error('the daemon did not prove itself'));
          proven = true;
          s.write(`${line}\n`);
          return;
        }
        s.destroy();
        resolve();
      });
      s.once('error', reject);
      s.once('close', () => (proven ? undefined : reject(new Error('connection closed during the handshake'))));
    });
    samples.push(msSince(start));
  }
  return samples;
}

/**
 * Server side of one check without the socket: parse + zod, evaluate, build the event, commit it
 * (its own transaction, as a lone shell's command gets) and serialise the reply.
 */
async function serverSide(n: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'prodguard-bench-'));
  const store = openStore(join(dir, 'audit.db'));
  try {
    const config = defaultConfig();
    const engine = createEngine(config, { hostname: 'bench' });
    const writer = createWriter({
      store,
      sinks: () => ({ publish() {}, publishHead() {} }),
      headEvery: () => ({ rows: 100, minutes: 10 }),
      onError: () => undefined,
    });
    const handler = createHandler({
      engine: () => engine,
      config: () => config,
      writer,
      token: 'x',
      health: () => ({}),
      onRefused() {},
      onError() {},
    });
    const samples: number[] = [];
    for (let i = 0; i < n + 200; i++) {
      const line = JSON.stringify({
        v: 1,
        op: 'check',
        origin: origin('server'),
        cmd: i,
        line: LINES[i % LINES.length],
        env: { ENV: 'production' },
        ts: Date.now(),
      });
      const start = process.hrtime.bigint();
      await handler.handleLine(line, 'unix');
      if (i >= 200) samples.push(msSince(start)); // the first 200 warm up
    }
    writer.close();
    return samples;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function bench(): Promise<BenchSection> {
  const d = await startDaemon();
  try {
    const port = readPort(d.paths);
    const token = readToken(d.paths);
    const unix = (): Socket => connect(d.paths.socket);
    const tcp = (): Socket => connect({ host: '127.0.0.1', port });
    const check =
      (session: string, withToken: boolean) =>
      (i: number): string =>
        JSON.stringify({
          v: 1,
          op: 'check',
          ...(withToken ? { token } : {}),
          origin: origin(session),
          cmd: i,
          line: LINES[i % LINES.length],
          env: { ENV: 'production' },
          ts: Date.now(),
        });

    // Warm up the engine, the store and the JIT.
    await roundTrips(unix, check('warm', false), 300);
    const ingest = await ingestRate(d, 8, 5_000);
    const N = 1_000;
    const shake: Handshake = {
      knock: knockLine(readFileSync(d.paths.knockFile, 'utf8').trim()),
      hello: helloLine(readFileSync(d.paths.proofFile, 'utf8').trim()),
    };
    const cu = summarize(await roundTrips(unix, check('rtt-unix', false), N));
    const ct = summarize(await roundTrips(tcp, check('rtt-tcp', true), N, shake));
    const hu = summarize(await roundTrips(unix, () => '{"v":1,"op":"health"}', N));
    const ht = summarize(await roundTrips(tcp, () => JSON.stringify({ v: 1, op: 'health', token }), N, shake));
    const server = summarize(await serverSide(N));
    const figures: BenchFigure[] = [
      { name: 'check handled in the daemon (parse, evaluate, commit): p50', value: server.p50, unit: 'ms', target: '< 1 ms', met: server.p50 < 1 },
      { name: 'check handled in the daemon (parse, evaluate, commit): p99', value: server.p99, unit: 'ms', target: null, met: null },
      {
        name: 'daemon ingest (check+finish, 8 pipelined connections)',
        value: ingest.rate,
        unit: 'records/s',
        target: '>= 20,000 records/s',
        met: ingest.rate >= 20_000,
      },
      {
        name: 'check round trip, unix socket, new connection: p50',
        value: cu.p50,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `health: ${fmt(hu.p50)} ms`,
      },
      {
        name: 'check round trip, unix socket, new connection: p99',
        value: cu.p99,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `health: ${fmt(hu.p99)} ms`,
      },
      {
        name: 'check round trip, loopback TCP + token: p50',
        value: ct.p50,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `health: ${fmt(ht.p50)} ms`,
      },
      {
        name: 'check round trip, loopback TCP + token: p99',
        value: ct.p99,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `health: ${fmt(ht.p99)} ms`,
      },
    ];
    return {
      title: 'Daemon: ingest and check round trip',
      figures,
      notes: [
        `${ingest.rows} audit rows written with the SHA-256 chain; events arriving in the same event-loop turn share one transaction, each reply is sent after its commit.`,
        'Round trips include the client connect, the engine evaluation and the committed audit row (check of a benign production line); health has neither.',
        `1-minute load average when the section finished: ${loadavg()[0]!.toFixed(1)} (2 cores); figures scale with it.`,
      ],
    };
  } finally {
    await d.dispose();
  }
}
