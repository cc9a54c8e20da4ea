import { lstatSync, mkdirSync, openSync, closeSync, chmodSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Server, Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { loadConfig, ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { createEngine } from './engine/index.js';
import { BACKSTOP_CHECKPOINT_PAGES, openStore, startCheckpointer } from './store/index.js';
import { createSinks } from './sinks/index.js';
import { outboxFile } from './sinks/outbox.js';
import { resolvePaths, type Paths } from './paths.js';
import { takeOverGrants } from './agents/grants-file.js';
import { createHandler, errorLine, parseRequest, type Evaluator } from './server/handler.js';
import { closeListener, listenLoopback, listenUnix } from './server/bind.js';
import { createLineServer, type Transport } from './server/listener.js';
import {
  StartError, acquirePidLock, ensurePrivateDir, loadOrCreateToken, rmQuiet, writePrivateFile,
} from './server/runfiles.js';
import { packageVersion } from './server/version.js';
import { warmUp } from './server/warmup.js';
import { createWriter } from './server/writer.js';
import { createSpoolIngester } from './spool/ingest.js';

// The composition root: config -> engine, store -> writer -> sinks, then the listeners. Data
// flows one way (server -> engine -> store -> sinks); nothing below imports the server.

export class AlreadyRunning extends Error {
  constructor(readonly pid: number) {
    super(`the daemon is already running (pid ${pid})`);
  }
}

export interface DaemonOptions {
  paths?: Paths;
  /** Also log to stderr (foreground `daemon run`); the log file is always written. */
  logToStderr?: boolean;
  /** Install SIGTERM/SIGINT (stop) and SIGHUP (reload) handlers. */
  signals?: boolean;
}

export interface Daemon {
  paths: Paths;
  tcpPort: number;
  /** Re-reads the config; a bad one is logged and the last good one kept. */
  reload(): boolean;
  stop(): Promise<void>;
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
}

/** Connections per listener beyond which new ones are refused (a local flood stays bounded). */
const MAX_CONNECTIONS = 1024;
/** A connection that sends nothing for this long is closed. */
const IDLE_TIMEOUT_MS = 10_000;
/** Spool ingestion and the socket watch run at this period. */
const TICK_MS = 1_000;

type Sinks = Awaited<ReturnType<typeof createSinks>>;

export async function runDaemon(opts: DaemonOptions = {}): Promise<Daemon> {
  const paths = opts.paths ?? resolvePaths();
  const startedAt = Date.now();
  const hostname = osHostname();
  process.umask(0o077);
  if (paths.home) ensurePrivateDir(paths.home);
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  ensurePrivateDir(paths.runDir);
  ensurePrivateDir(paths.spoolDir);

  const log = createLogger(paths.logFile, opts.logToStderr ?? false);
  const lock = acquirePidLock(paths.pidFile);
  if (!lock.ok) throw new AlreadyRunning(lock.pid);

  const cleanups: Array<() => unknown> = [lock.release];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err: errText(err) }, 'cleanup step failed');
      }
    }
    cleanups.length = 0;
    log.flush();
  };

  try {
    let config = loadConfig(paths);
    let configState = { loadedAt: Date.now(), reloads: 0, lastError: null as string | null };
    const token = loadOrCreateToken(paths.tokenFile);
    const store = openStore(paths.dbFile, { autoCheckpointPages: BACKSTOP_CHECKPOINT_PAGES });
    cleanups.push(() => store.close());
    // Checkpoints (and their fsyncs) in a worker thread, not inside a command's commit; the sinks'
    // outbox is written for every event too (its own inline checkpoints stall the event loop alike).
    const checkpointer = startCheckpointer([paths.dbFile, outboxFile(paths.dataDir)], { onError: (err) => log.warn({ err }, 'background WAL checkpoint failed') });
    cleanups.push(() => checkpointer.stop());
    let engine: Evaluator = createEngine(config, { hostname });
    let sinks: Sinks = await createSinks(config, { dataDir: paths.dataDir, logger: log.child({ part: 'sinks' }), hostname });
    cleanups.push(() => sinks.close());

    const writer = createWriter({
      // Events built by server/events.ts from requests zod already validated at the boundary.
      store: { appendMany: (es) => store.appendTrusted(es), head: () => store.head() },
      sinks: () => sinks,
      headEvery: () => ({ rows: config.audit.headEveryRows, minutes: config.audit.headEveryMinutes }),
      onError: (err, where) => log.error({ err: errText(err), where }, 'audit write path failed'),
    });
    cleanups.push(() => writer.close());

    let tcpPort = 0;
    let connections = 0;
    // 'running' from the start when it is on: it begins once the listeners are up.
    let warmup: 'off' | 'running' | 'done' | 'failed' = config.daemon.warmupLines > 0 ? 'running' : 'off';
    const openSockets = new WeakMap<Server, Set<Socket>>();
    const closeServer = (server: Server): Promise<void> => closeListener(server, openSockets.get(server));
    const ingester = createSpoolIngester({
      spoolDir: paths.spoolDir,
      parse: (line) => parseRequest(line, null),
      apply: (req) => handler.apply(req, 'spool'),
      maxLineBytes: () => config.daemon.maxRequestBytes,
      onFileError: (file, err) => log.error({ file, err: errText(err) }, 'spool file could not be ingested'),
    });
    const handler = createHandler({
      engine: () => engine,
      config: () => config,
      writer,
      token,
      health: () => ({
        version: packageVersion(),
        pid: process.pid,
        uptimeMs: Date.now() - startedAt,
        head: store.head(),
        socket: paths.socket,
        tcpPort,
        connections,
        config: { file: paths.configFile, ...configState },
        writer: writer.stats(),
        spool: ingester.totals(),
        warmup,
      }),
      onRefused: (reason, transport) => log.warn({ reason, transport }, 'request refused'),
      onError: (err, where) => log.error({ err: errText(err), where }, 'request failed'),
      grants: takeOverGrants(paths.runDir),
    });

    // ---- listeners
    const lineServer = (transport: Transport): Server => {
      const server = createLineServer({
        transport,
        handle: (line, t) => handler.handleLine(line, t),
        maxRequestBytes: () => config.daemon.maxRequestBytes,
        oversized: () => errorLine(`request too large: over ${config.daemon.maxRequestBytes} bytes`),
        maxConnections: MAX_CONNECTIONS,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
      });
      const open = new Set<Socket>();
      openSockets.set(server, open);
      server.on('connection', (s: Socket) => {
        connections++;
        open.add(s);
        s.once('close', () => {
          connections--;
          open.delete(s);
        });
      });
      server.on('drop', () => log.warn({ transport }, 'connection refused: too many connections'));
      return server;
    };

    let unixServer = await listenUnix(paths.socket, lineServer('unix'));
    let socketIno = lstatSync(paths.socket).ino;
    cleanups.push(() => closeServer(unixServer));

    const tcpServer = lineServer('tcp');
    await listenLoopback(tcpServer, config.daemon.tcpPort).catch((err: NodeJS.ErrnoException) => {
      throw new StartError(`cannot listen on 127.0.0.1:${config.daemon.tcpPort} (${err.code ?? err.message}); set daemon.tcpPort to a free port or 0`);
    });
    cleanups.push(() => closeServer(tcpServer));
    tcpPort = (tcpServer.address() as { port: number }).port;
    writePrivateFile(paths.portFile, `${tcpPort}\n`);
    cleanups.push(() => rmQuiet(paths.portFile));

    await sinks.publishDaemon('start');
    cleanups.push(() => sinks.publishDaemon('stop'));

    // Off the start path: the listeners serve while it runs (see server/warmup.ts).
    if (config.daemon.warmupLines > 0) {
      const abort = new AbortController();
      const warming = warmUp({ engine: () => engine, config: () => config, socketPath: join(paths.runDir, 'warmup.sock') }, config.daemon.warmupLines, abort.signal).then(
        (r) => {
          warmup = 'done';
          log.info({ lines: r.lines, ms: Math.round(r.ms), stopped: abort.signal.aborted }, 'request path warmed up');
        },
        (err) => {
          warmup = 'failed';
          log.warn({ err: errText(err) }, 'warm-up failed (requests are served all the same)');
        },
      );
      cleanups.push(() => (abort.abort(), warming));
    }

    // ---- periodic work: spool ingestion and the socket watch
    const ingest = async (): Promise<void> => {
      const s = await ingester.ingest();
      if (s.lines) log.info({ ...s }, 'spool ingested');
      if (s.invalid) log.warn({ invalid: s.invalid }, 'spool lines skipped: not valid requests');
    };
    let recreating = false;
    const watchSocket = async (): Promise<void> => {
      let ino: number | null = null;
      try {
        ino = lstatSync(paths.socket).ino;
      } catch {
        /* deleted */
      }
      if (ino === socketIno || recreating) return;
      recreating = true;
      try {
        log.warn({ socket: paths.socket }, 'socket file missing or replaced; recreating it');
        // close() unlinks the path at once; open connections finish on the old handle.
        unixServer.close();
        unixServer = await listenUnix(paths.socket, lineServer('unix'));
        socketIno = lstatSync(paths.socket).ino;
      } finally {
        recreating = false;
      }
    };
    await ingest();
    const tick = setInterval(() => {
      watchSocket().catch((err) => log.error({ err: errText(err) }, 'socket recreation failed'));
      ingest().catch((err) => log.error({ err: errText(err) }, 'spool ingestion failed'));
    }, TICK_MS);
    cleanups.push(() => clearInterval(tick));

    // ---- reload and stop
    const reload = (): boolean => {
      let next: Config;
      try {
        next = loadConfig(paths);
      } catch (err) {
        configState = { ...configState, lastError: errText(err) };
        log.error({ err: errText(err) }, 'config reload failed; keeping the last good config');
        return false;
      }
      engine = createEngine(next, { hostname });
      const sinksChanged = JSON.stringify([next.syslog, next.alerts]) !== JSON.stringify([config.syslog, config.alerts]);
      if (next.daemon.tcpPort !== config.daemon.tcpPort) log.warn('daemon.tcpPort changed: takes effect at the next restart');
      config = next;
      configState = { loadedAt: Date.now(), reloads: configState.reloads + 1, lastError: null };
      if (sinksChanged) {
        const old = sinks;
        void (async () => {
          sinks = await createSinks(next, { dataDir: paths.dataDir, logger: log.child({ part: 'sinks' }), hostname });
          await old.close();
        })().catch((err) => log.error({ err: errText(err) }, 'sinks could not be recreated'));
      }
      log.info({ reloads: configState.reloads }, 'config reloaded');
      return true;
    };

    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        log.info('daemon stopping');
        await cleanup();
        resolveDone();
      })();
      return stopping;
    };

    if (opts.signals) {
      const onStop = (): void => void stop();
      const onHup = (): void => void reload();
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
      process.on('SIGHUP', onHup);
      cleanups.unshift(() => {
        process.off('SIGTERM', onStop);
        process.off('SIGINT', onStop);
        process.off('SIGHUP', onHup);
      });
    }

    log.info({ socket: paths.socket, tcpPort, version: packageVersion() }, 'daemon started');
    return { paths, get tcpPort() { return tcpPort; }, reload, stop, done };
  } catch (err) {
    if (!(err instanceof ConfigError)) log.error({ err: errText(err) }, 'daemon failed to start');
    await cleanup();
    throw err;
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function createLogger(file: string, toStderr: boolean): Logger {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: file, sync: false }) }];
  if (toStderr) streams.push({ stream: process.stderr });
  return pino({ base: { pid: process.pid }, level: process.env.PRODGUARD_LOG_LEVEL ?? 'info' }, pino.multistream(streams));
}
