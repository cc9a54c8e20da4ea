import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { ConfigError } from './config/load.js';
import { helloLine, knockLine, type HealthBody } from './contract/protocol.js';
import { packageVersion } from './contract/version.js';
import type { WarmupState } from './contract/enums.js';
import { installSignals, startTicks, startWarmup } from './main/background.js';
import { Cleanups } from './main/cleanups.js';
import { Listeners } from './main/listeners.js';
import { createLogger, errText, type Logger } from './main/log.js';
import { DaemonState } from './main/state.js';
import { resolvePaths, type Paths } from './paths.js';
import { takeOverGrants } from './agents/grants-file.js';
import { createHandler, parseRequest, type Handler } from './server/handler.js';
import { acquirePidLock, ensurePrivateDir, writeFreshSecret } from './server/runfiles.js';
import { createWriter, type Writer } from './server/writer.js';
import { outboxFile } from './sinks/outbox.js';
import { createSpoolIngester } from './spool/ingest.js';
import { BACKSTOP_CHECKPOINT_PAGES, openStore, startCheckpointer, type AuditStore } from './store/index.js';

// The composition root: config -> engine, store -> writer -> sinks, then the listeners. Data
// flows one way (server -> engine -> store -> sinks); nothing below imports the server. Each
// step is a function below (or a part in ./main/); runDaemon only orders them.

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

export async function runDaemon(opts: DaemonOptions = {}): Promise<Daemon> {
  const paths = opts.paths ?? resolvePaths();
  const startedAt = Date.now();
  const hostname = osHostname();
  preparePrivateDirs(paths);
  const { log, logFile } = createLogger(paths.logFile, opts.logToStderr ?? false);
  const lock = acquirePidLock(paths.pidFile);
  if (!lock.ok) throw new AlreadyRunning(lock.pid);
  const cleanups = new Cleanups(log, logFile);
  cleanups.add(lock.release);

  try {
    const state = new DaemonState(paths, hostname, log);
    // All new at every start: a token, knock or proof seen before a crash is worthless after it.
    const token = writeFreshSecret(paths.tokenFile);
    const knock = knockLine(writeFreshSecret(paths.knockFile));
    const hello = helloLine(writeFreshSecret(paths.proofFile));
    const store = openAuditStore(paths, log, cleanups);
    await state.openSinks();
    cleanups.add(() => state.closeSinks());
    const writer = createAuditWriter(store, state, log, cleanups);

    // 'running' from the start when it is on: it begins once the listeners are up.
    let warmup: () => WarmupState = () => (state.config.daemon.warmupLines > 0 ? 'running' : 'off');
    const health = (): HealthBody => ({
      version: packageVersion(),
      pid: process.pid,
      uptimeMs: Date.now() - startedAt,
      head: store.head(),
      socket: paths.socket,
      tcpPort: listeners.tcpPort,
      connections: listeners.openConnections,
      accepted: listeners.acceptedConnections,
      refusedPeers: listeners.refusedPeers,
      config: { file: paths.configFile, ...state.configState },
      writer: writer.stats(),
      spool: ingester.totals(),
      log: logFile.stats(),
      warmup: warmup(),
    });
    const ingester = createSpoolIngester({
      spoolDir: paths.spoolDir,
      parse: (line) => parseRequest(line, null),
      apply: (req) => handler.apply(req, 'spool'),
      maxLineBytes: () => state.config.daemon.maxRequestBytes,
      onFileError: (file, err) => log.error({ file, err: errText(err) }, 'spool file could not be ingested'),
    });
    const handler: Handler = createHandler({
      engine: () => state.engine,
      config: () => state.config,
      writer,
      token,
      health,
      onRefused: (reason, transport) => log.warn({ reason, transport }, 'request refused'),
      onError: (err, where) => log.error({ err: errText(err), where }, 'request failed'),
      grants: takeOverGrants(paths.runDir),
    });

    const listeners = new Listeners({
      paths,
      handler,
      maxRequestBytes: () => state.config.daemon.maxRequestBytes,
      idleTimeoutMs: () => state.config.daemon.idleTimeoutMs,
      log,
      knock,
      hello,
    });
    await listeners.listen(state.config.daemon.tcpPort, cleanups);
    await state.sinks.publishDaemon('start');
    cleanups.add(() => state.sinks.publishDaemon('stop'));

    warmup = startWarmup({ engine: () => state.engine, config: () => state.config, paths, log }, state.config.daemon.warmupLines, cleanups);
    await startTicks(ingester, listeners, log, cleanups);

    const { stop, done } = stopper(cleanups, log);
    const reload = (): boolean => state.reload();
    if (opts.signals)
      installSignals(
        () => void stop(),
        () => void reload(),
        cleanups,
      );

    log.info({ socket: paths.socket, tcpPort: listeners.tcpPort, version: packageVersion() }, 'daemon started');
    return {
      paths,
      get tcpPort() {
        return listeners.tcpPort;
      },
      reload,
      stop,
      done,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) log.error({ err: errText(err) }, 'daemon failed to start');
    await cleanups.run();
    throw err;
  }
}

/** The home, data, run and spool directories, private (0700) and owned by the user. */
function preparePrivateDirs(paths: Paths): void {
  process.umask(0o077);
  // Each refused with a one-line fix when another user owns it or can write to it (docs/security.md).
  if (paths.home) ensurePrivateDir(paths.home);
  ensurePrivateDir(paths.dataDir);
  ensurePrivateDir(paths.runDir);
  ensurePrivateDir(paths.spoolDir);
}

/** The audit database, with its WAL checkpoints (and the outbox's) in a worker thread. */
function openAuditStore(paths: Paths, log: Logger, cleanups: Cleanups): AuditStore {
  const store = openStore(paths.dbFile, { autoCheckpointPages: BACKSTOP_CHECKPOINT_PAGES });
  cleanups.add(() => store.close());
  // Checkpoints (and their fsyncs) in a worker thread, not inside a command's commit; the sinks'
  // outbox is written for every event too (its own inline checkpoints stall the event loop alike).
  const checkpointer = startCheckpointer([paths.dbFile, outboxFile(paths.dataDir)], {
    onError: (err) => log.warn({ err }, 'background WAL checkpoint failed'),
  });
  cleanups.add(() => checkpointer.stop());
  return store;
}

function createAuditWriter(store: AuditStore, state: DaemonState, log: Logger, cleanups: Cleanups): Writer {
  const writer = createWriter({
    // Events built by server/events.ts from requests zod already validated at the boundary.
    store: { appendMany: (es) => store.appendTrusted(es), head: () => store.head() },
    sinks: () => state.sinks,
    headEvery: () => ({ rows: state.config.audit.headEveryRows, minutes: state.config.audit.headEveryMinutes }),
    onError: (err, where) => log.error({ err: errText(err), where }, 'audit write path failed'),
  });
  cleanups.add(() => writer.close());
  return writer;
}

/** stop() runs the cleanups once (later calls share it); done resolves after it. */
function stopper(cleanups: Cleanups, log: Logger): { stop: () => Promise<void>; done: Promise<void> } {
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('daemon stopping');
      await cleanups.run();
      resolveDone();
    })();
    return stopping;
  };
  return { stop, done };
}
