import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import type { HealthReply } from '../daemon/contract/protocol.js';
import { readPort, requestHealth } from './daemon-client.js';
import { isDaemonAlive, readPid } from '../daemon/server/runfiles.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';

// `prodguard daemon run|start|stop|status|reload|disable|enable`. `run` is the process itself (foreground, logs to the
// log file and stderr); `start` spawns it detached and waits until it answers; `stop` sends
// SIGTERM through the pid file; `status` asks it over the unix socket.

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function health(paths: Paths, timeoutMs = 1_000): Promise<HealthReply | null> {
  try {
    return await requestHealth(paths, timeoutMs);
  } catch {
    return null;
  }
}

function where(paths: Paths, h: HealthReply): string {
  return `pid ${String(h.pid)}, socket ${paths.socket}, tcp 127.0.0.1:${String(h.tcpPort)}`;
}

async function run(): Promise<void> {
  const { runDaemon, AlreadyRunning } = await import('../daemon/main.js');
  const detached = process.env.PRODGUARD_DAEMON_DETACHED === '1';
  try {
    const d = await runDaemon({ logToStderr: !detached, signals: true });
    await d.done;
  } catch (err) {
    if (err instanceof AlreadyRunning) {
      process.stderr.write(`prodguard: ${err.message}\n`);
      return;
    }
    // The store's errors say what to do (corrupt, unreadable database): one line, not a bug.
    if (err instanceof Error && err.name === 'StoreError') throw new UserError(err.message, EXIT.DATABASE);
    throw err;
  }
}

async function start(): Promise<void> {
  const paths = resolvePaths();
  if (existsSync(disabledFile(paths))) {
    throw new UserError(`the daemon is disabled (${disabledFile(paths)}); \`prodguard daemon enable\` lets it start again`, EXIT.DAEMON_DOWN);
  }
  const running = await health(paths);
  if (running) {
    process.stdout.write(`prodguard daemon already running (${where(paths, running)})\n`);
    return;
  }
  const { ensurePrivateDir } = await import('../daemon/server/runfiles.js');
  if (paths.home) ensurePrivateDir(paths.home);
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  ensurePrivateDir(paths.runDir);
  // The detached daemon logs to its file only; its stderr (a startup error) goes here.
  const errFile = join(paths.runDir, 'daemon.stderr');
  const errFd = openSync(errFile, 'w', 0o600);
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'daemon', 'run'], {
    detached: true,
    // Not the caller's cwd: a long-lived process must not pin a directory (or a mount).
    cwd: paths.dataDir,
    stdio: ['ignore', 'ignore', errFd],
    env: { ...process.env, PRODGUARD_DAEMON_DETACHED: '1' },
  });
  closeSync(errFd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const h = await health(paths, 500);
    if (h) {
      process.stdout.write(`prodguard daemon started (${where(paths, h)})\n`);
      return;
    }
    if (exited !== null) {
      // Lost a race with another `start`: that one is the daemon now.
      const other = await health(paths);
      if (other) {
        process.stdout.write(`prodguard daemon already running (${where(paths, other)})\n`);
        return;
      }
      const why = readFileSync(errFile, 'utf8').trim().split('\n')[0] ?? '';
      // A config or database problem keeps its own exit code; anything else: the daemon is down.
      const code = exited === EXIT.CONFIG || exited === EXIT.DATABASE ? exited : EXIT.DAEMON_DOWN;
      throw new UserError(`daemon failed to start: ${why.replace(/^prodguard: /, '') || `exit ${exited}`} (log: ${paths.logFile})`, code);
    }
    await sleep(50);
  }
  throw new UserError(`daemon did not answer within ${START_TIMEOUT_MS / 1000} s; see ${paths.logFile}`, EXIT.DAEMON_DOWN);
}

/** `daemon disable` leaves this file in the data directory (it survives reboots, unlike run/). */
function disabledFile(paths: Paths): string {
  return join(paths.dataDir, 'daemon.disabled');
}

const KEEP_STOPPED =
  'the next production line starts it again; to keep it stopped: `prodguard daemon disable` (the hooks still guard every line on their own and spool it)';

async function stop(): Promise<void> {
  const paths = resolvePaths();
  const pid = readPid(paths.pidFile);
  const hint = existsSync(disabledFile(paths)) ? '' : `; ${KEEP_STOPPED}`;
  if (pid === null || !isDaemonAlive(pid)) {
    process.stdout.write(`prodguard daemon is not running${hint}\n`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isDaemonAlive(pid)) {
      process.stdout.write(`prodguard daemon stopped (pid ${pid})${hint}\n`);
      return;
    }
    await sleep(50);
  }
  throw new UserError(`daemon (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; kill -9 ${pid} if it hangs`, EXIT.INTERNAL);
}

/** Re-reads the config in the running daemon: validated here first, as the daemon will, so a bad file is refused with its error. */
async function reload(): Promise<void> {
  const paths = resolvePaths();
  const [{ loadConfig }, { createEngine }] = await Promise.all([import('../daemon/config/load.js'), import('../daemon/engine/index.js')]);
  createEngine(loadConfig(paths));
  const before = await health(paths);
  const pid = readPid(paths.pidFile);
  if (!before || pid === null || !isDaemonAlive(pid))
    throw new UserError('the daemon is not running: nothing to reload (it reads the config when it starts)', EXIT.DAEMON_DOWN);
  const reloads = (before.config as { reloads?: number } | undefined)?.reloads ?? 0;
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const h = await health(paths);
    const cfg = h?.config as { reloads?: number; lastError?: string | null } | undefined;
    if (cfg && (cfg.reloads ?? 0) > reloads) {
      process.stdout.write(`prodguard daemon reloaded ${paths.configFile} (pid ${pid}); open shells pick it up at their next line\n`);
      return;
    }
    if (cfg?.lastError && cfg.lastError !== (before.config as { lastError?: string | null } | undefined)?.lastError) {
      throw new UserError(`the daemon refused the new config and keeps the last good one: ${cfg.lastError}`, EXIT.CONFIG);
    }
    await sleep(50);
  }
  throw new UserError(
    `the daemon (pid ${pid}) did not confirm the reload within ${START_TIMEOUT_MS / 1000} s; see ${paths.logFile}`,
    EXIT.DAEMON_DOWN,
  );
}

async function disable(): Promise<void> {
  const paths = resolvePaths();
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(disabledFile(paths), `disabled by ${userName()} at ${new Date().toISOString()}\n`, { mode: 0o600 });
  const pid = readPid(paths.pidFile);
  if (pid !== null && isDaemonAlive(pid)) await stop();
  process.stdout.write(
    'prodguard daemon disabled: it will not be started (by the hooks or `daemon start`) until `prodguard daemon enable`. ' +
      'Production shells keep guarding every line with their local engine and spool what they record.\n',
  );
}

async function enable(): Promise<void> {
  const paths = resolvePaths();
  rmSync(disabledFile(paths), { force: true });
  process.stdout.write('prodguard daemon enabled: the next production line (or `prodguard daemon start`) starts it\n');
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

async function status(json: boolean): Promise<void> {
  const paths = resolvePaths();
  const h = await health(paths);
  let tcpPort: number | null = null;
  try {
    tcpPort = readPort(paths);
  } catch {
    /* not running */
  }
  const out = h
    ? {
        running: true,
        pid: h.pid,
        socket: paths.socket,
        tcpPort: h.tcpPort ?? tcpPort,
        uptimeMs: h.uptimeMs,
        head: h.head ?? null,
        version: h.version,
        config: h.config ?? null,
        spool: h.spool ?? null,
      }
    : { running: false, pid: readPid(paths.pidFile), socket: paths.socket, tcpPort: null, uptimeMs: null, head: null, version: null };
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else if (h) {
    const head = h.head as { seq?: number; hash?: string } | null;
    const lines = [
      `prodguard daemon: running (version ${String(h.version)})`,
      `  pid      ${String(h.pid)}`,
      `  socket   ${paths.socket}`,
      `  tcp      127.0.0.1:${String(out.tcpPort)}`,
      `  uptime   ${formatUptime(Number(h.uptimeMs))}`,
      `  db head  ${head && head.seq !== undefined ? `seq ${head.seq} ${String(head.hash).slice(0, 16)}` : 'empty'}`,
    ];
    const cfg = h.config as { lastError?: string | null } | undefined;
    if (cfg?.lastError) lines.push(`  config   last reload failed: ${cfg.lastError}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } else if (existsSync(disabledFile(paths)))
    process.stdout.write('prodguard daemon: not running, disabled (`prodguard daemon enable` to allow it again)\n');
  else process.stdout.write(`prodguard daemon: not running (start it with: prodguard daemon start)\n`);
  if (!h) process.exitCode = EXIT.DAEMON_DOWN;
}

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

export function register(program: Command): void {
  const daemon = program.command('daemon').description('Run and control the prodguard daemon (checks lines, records the audit trail)');
  daemon.command('run').description('Run the daemon in the foreground (logs to the log file and stderr)').action(run);
  daemon.command('start').description('Start the daemon in the background unless it is already running').action(start);
  daemon
    .command('stop')
    .description('Stop the running daemon (SIGTERM) and wait until it exits; the next production line starts it again')
    .action(stop);
  daemon.command('reload').description('Validate the config file, then make the running daemon re-read it (SIGHUP) and wait for it').action(reload);
  daemon
    .command('disable')
    .description('Stop the daemon and keep it stopped: neither the hooks nor `daemon start` start it until `daemon enable`')
    .action(disable);
  daemon.command('enable').description('Undo `daemon disable`').action(enable);
  daemon
    .command('status')
    .description(`Show whether the daemon runs, its pid, socket, TCP port, uptime and chain head (exit ${EXIT.DAEMON_DOWN} when not running)`)
    .option('--json', 'print one JSON object')
    .action((o: { json?: boolean }) => status(Boolean(o.json)));
}
