import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePaths, type Paths } from '../../daemon/paths.js';
import { requestDaemon, sendLine, type RequestOptions } from '../../cli/daemon-client.js';

// Start and stop a real daemon (`node dist/cli/main.js daemon run`) on a temporary
// PRODGUARD_HOME, for every area's tests. The build is vitest's globalSetup (./build.ts).
//
//   const d = await startDaemon({ config: { daemon: { maxRequestBytes: 4096 } } });
//   await d.request({ op: 'health' });                       // unix socket
//   await d.request({ op: 'health' }, { transport: 'tcp' }); // loopback TCP, token added
//   d.rows("SELECT * FROM events WHERE kind = 'command'");  // read the audit DB (read-only)
//   await d.stop();                                          // SIGTERM, wait for exit

/** The checkout: the nearest directory up with a package.json (from test/helpers or dist/test/helpers). */
export const repoRoot = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const cliMain = join(repoRoot, 'dist', 'cli', 'main.js');

export interface StartOptions {
  /** Reuse a home (a restart); a fresh temp dir otherwise. */
  home?: string;
  /** Written to $home/config.json before start (replaces an existing one). */
  config?: object;
  /** Extra environment for the daemon process. */
  env?: Record<string, string>;
  /** How long to wait for the daemon to answer health (default 20 s). */
  timeoutMs?: number;
}

export interface TestDaemon {
  home: string;
  paths: Paths;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** One request (v:1 added; over TCP the token is added unless opts.token says otherwise). */
  request(obj: Record<string, unknown>, opts?: RequestOptions): Promise<Record<string, unknown>>;
  /** One raw line, raw reply (for malformed input tests). */
  send(raw: string | Buffer, opts?: RequestOptions): Promise<string>;
  /** Rows of a read-only query on the audit database. */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** Writes a new config file (use with kill('SIGHUP')). */
  writeConfig(config: object | string): void;
  /** stderr of the process so far plus the log file. */
  logs(): string;
  /** Sends a signal; for SIGTERM/SIGINT/SIGKILL waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
  /** stop() and remove the home if this helper created it. */
  dispose(): Promise<void>;
}

/** A fresh PRODGUARD_HOME (0700) under the system temp dir. */
export function tempHome(prefix = 'prodguard-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeHomes.push(dir);
  return dir;
}
// Removed when the test worker exits: many tests pass their own home to startDaemon (whose
// dispose() then leaves it), and ~30 homes per run were left in /tmp.
const madeHomes: string[] = [];
process.once('exit', () => {
  for (const dir of madeHomes) rmSync(dir, { recursive: true, force: true });
});

/** The environment a prodguard process needs to use `home`. */
export function homeEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, PRODGUARD_HOME: home, NO_COLOR: '1' };
}

/** Polls `pred` every `everyMs` until it is truthy or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(pred: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Spawns `daemon run` without waiting (for races); most tests want startDaemon. */
export function spawnDaemon(home: string, env: Record<string, string> = {}): ChildProcess {
  if (!existsSync(cliMain)) throw new Error(`${cliMain} missing: the vitest globalSetup (test/helpers/build.ts) builds it`);
  // PRODGUARD_DAEMON_NODE_ARGS: extra node flags for the daemon under test, to profile it in a bench
  // (`PRODGUARD_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`; NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.PRODGUARD_DAEMON_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, cliMain, 'daemon', 'run'], { env: { ...homeEnv(home), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `config` with daemon.warmupLines 0 unless it sets it (a JSON text is left as it is). */
function withoutWarmup(config: object | string): object | string {
  if (typeof config === 'string') return config;
  const daemon = (config as { daemon?: Record<string, unknown> }).daemon ?? {};
  return 'warmupLines' in daemon ? config : { ...config, daemon: { ...daemon, warmupLines: 0 } };
}

export async function startDaemon(opts: StartOptions = {}): Promise<TestDaemon> {
  const created = !opts.home;
  const home = opts.home ?? tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const paths = resolvePaths({ PRODGUARD_HOME: home });
  const writeConfig = (config: object | string): void =>
    writeFileSync(paths.configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2), { mode: 0o600 });
  // The warm-up (~1.3 s of CPU at start, server/warmup.ts) is off unless a test asks for it: dozens
  // of daemons start in a run, on two cores.
  if (opts.config) writeConfig(withoutWarmup(opts.config));
  else if (!existsSync(paths.configFile)) writeConfig(withoutWarmup({}));

  const proc = spawnDaemon(home, opts.env);
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  let gone = false;
  void exited.then(() => (gone = true));

  const logs = (): string => {
    let file = '';
    try {
      file = readFileSync(paths.logFile, 'utf8');
    } catch {
      /* not written yet */
    }
    return `${stderr}\n${file}`;
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (gone) throw new Error(`daemon exited before answering: ${stderr.trim() || '(no stderr)'}`);
    try {
      const h = await requestDaemon(paths, { op: 'health' }, { timeoutMs: 500 });
      if (h.ok === true && h.pid === proc.pid) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not answer health in time; logs:\n${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (gone) return;
    proc.kill(signal);
    if (signal === 'SIGTERM' || signal === 'SIGINT' || signal === 'SIGKILL') await exited;
  };
  const stop = (): Promise<void> => kill('SIGTERM');

  return {
    home,
    paths,
    pid: proc.pid!,
    proc,
    exited,
    request: (obj, o) => requestDaemon(paths, obj, o),
    send: (raw, o) => sendLine(paths, raw, o),
    rows: <T>(sql: string, ...params: unknown[]): T[] => queryDb<T>(paths.dbFile, sql, params),
    writeConfig,
    logs,
    kill,
    stop,
    async dispose() {
      await stop();
      if (created) rmSync(home, { recursive: true, force: true });
    },
  };
}

// better-sqlite3 is loaded on first use (synchronously: it is CommonJS) so that tests which
// never read the DB don't pay for it.
type Db = { prepare(sql: string): { all(...p: unknown[]): unknown[] }; close(): void };
let Database: (new (file: string, opts: object) => Db) | null = null;

export function queryDb<T = Record<string, unknown>>(file: string, sql: string, params: unknown[] = []): T[] {
  Database ??= createRequire(import.meta.url)('better-sqlite3') as new (file: string, opts: object) => Db;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
