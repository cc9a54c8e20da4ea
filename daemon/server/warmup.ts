import { randomBytes } from 'node:crypto';
import { connect, type Server } from 'node:net';
import type { Config } from '../config/schema.js';
import type { HookShell } from '../contract/enums.js';
import { PROTOCOL_VERSION } from '../contract/protocol.js';
import { openStore } from '../store/index.js';
import { closeListener, listenLoopback, listenUnix } from './bind.js';
import { createHandler, errorLine, type LineEvaluator } from './handler.js';
import { createLineServer, type Transport } from './listener.js';
import { rmQuiet } from './runfiles.js';
import { createWriter } from './writer.js';

// A fresh daemon answers its first few thousand requests about twice as slowly as later ones
// (measured: ~0.46 ms from request to reply for the first 500, ~0.2 ms after 4,000): V8 runs the
// request path (sockets, JSON, zod, engine, chain, store) in its interpreter and baseline tiers
// until it has seen enough calls to optimise it. A user's daemon may take days to get there. So at
// start the daemon sends itself hook-like lines over loopback TCP and a unix socket, through the
// same listener, handler and writer code, into a store in memory: nothing is recorded or sent to
// the sinks, and the real listeners already serve while it runs.

const LINES = [
  'ls -la',
  'cd /srv/app && git status',
  'kubectl get pods -n web',
  'tail -n 100 /var/log/syslog | grep -i error',
  'psql -c "select count(*) from users"',
  'rm -rf /srv/app/releases/old',
  'docker ps --format "{{.Names}}"',
  'export ENV=production',
];

export interface WarmupDeps {
  engine: () => LineEvaluator;
  config: () => Config;
  /** Where the unix socket of the warm-up goes (a 0700 directory of the daemon's). */
  socketPath: string;
}

export interface WarmupResult {
  lines: number;
  ms: number;
}

/** Runs `lines` check+finish pairs through the request path; resolves when done or aborted. */
export async function warmUp(deps: WarmupDeps, lines: number, signal?: AbortSignal): Promise<WarmupResult> {
  const started = performance.now();
  const store = openStore(':memory:');
  const writer = createWriter({
    store: { appendMany: (es) => store.appendTrusted(es), head: () => store.head() },
    sinks: () => ({ publish: () => {}, publishHead: () => {} }),
    headEvery: () => ({ rows: 100, minutes: 10 }),
    onError: () => {},
  });
  const token = randomBytes(16).toString('hex');
  const handler = createHandler({
    engine: deps.engine,
    config: deps.config,
    writer,
    token,
    health: () => ({}),
    onRefused: () => {},
    onError: () => {},
  });
  const server = (transport: Transport): Server =>
    createLineServer({
      transport,
      handle: (line, t) => handler.handleLine(line, t),
      maxRequestBytes: () => 1 << 20,
      oversized: () => errorLine('request too large'),
      maxConnections: 16,
      idleTimeoutMs: () => 10_000,
    });
  const tcp = server('tcp');
  const unix = server('unix');
  try {
    await listenLoopback(tcp, 0);
    await listenUnix(deps.socketPath, unix);
    const port = (tcp.address() as { port: number }).port;
    const origin = (shell: HookShell) => ({ session: `warmup-${shell}`, shell, pid: process.pid, tty: '', user: 'warmup', host: 'warmup' });
    for (let i = 1; i <= lines && !signal?.aborted; i++) {
      const bash = i % 2 === 0;
      const o = origin(bash ? 'bash' : 'zsh');
      const auth = bash ? { token } : {};
      const finish = { v: PROTOCOL_VERSION, op: 'finish', origin: o, cmd: i - 1, exit: 0, durationMs: 1.5, ts: Date.now(), ack: 'short', ...auth };
      const check = {
        v: PROTOCOL_VERSION,
        op: 'check',
        origin: o,
        cmd: i,
        line: LINES[i % LINES.length],
        cwd: '/srv/app',
        env: { ENV: 'production' },
        ts: Date.now(),
        ...auth,
      };
      await exchange(bash ? { host: '127.0.0.1', port } : { path: deps.socketPath }, `${JSON.stringify(finish)}\n${JSON.stringify(check)}\n`, 2);
    }
  } finally {
    await Promise.all([closeListener(tcp, undefined), closeListener(unix, undefined)]);
    rmQuiet(deps.socketPath);
    writer.close();
    store.close();
  }
  return { lines, ms: performance.now() - started };
}

/** One connection: writes `text`, resolves after `replies` reply lines (or a close or an error). */
function exchange(to: { host: string; port: number } | { path: string }, text: string, replies: number): Promise<void> {
  return new Promise((resolve) => {
    const s = 'path' in to ? connect(to.path) : connect(to.port, to.host);
    let seen = 0;
    s.setEncoding('utf8');
    s.on('connect', () => s.write(text));
    s.on('data', (d: string) => {
      for (let i = d.indexOf('\n'); i !== -1; i = d.indexOf('\n', i + 1)) seen++;
      if (seen >= replies) s.destroy();
    });
    s.on('error', () => s.destroy());
    s.on('close', () => resolve());
  });
}
