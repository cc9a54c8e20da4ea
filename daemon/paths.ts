import { homedir } from 'node:os';
import { join } from 'node:path';

// Where prodguard reads and writes. PRODGUARD_HOME, when set, holds everything (tests isolate an
// instance with it); otherwise the XDG base directories.

export interface Paths {
  home: string | null;
  configFile: string;
  dataDir: string;
  dbFile: string;
  /** 0700: the unix socket, the TCP port file and the token live here. */
  runDir: string;
  socket: string;
  /** "<port>\n" of the loopback TCP listener, 0600. */
  portFile: string;
  /** The per-user secret bash sends with every TCP request, 0600; new at every daemon start. */
  tokenFile: string;
  /** What a TCP client says first (protocol.ts knockLine), 0600; new at every start. */
  knockFile: string;
  /** What the daemon answers to the knock (the hook compares it before sending anything else), 0600; new at every start. */
  proofFile: string;
  pidFile: string;
  /** Hooks append here (NDJSON, one file per shell) while the daemon is unreachable. */
  spoolDir: string;
  logFile: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.PRODGUARD_HOME || null;
  if (home) {
    const runDir = join(home, 'run');
    return {
      home,
      configFile: join(home, 'config.json'),
      dataDir: home,
      dbFile: join(home, 'audit.db'),
      runDir,
      socket: join(runDir, 'daemon.sock'),
      portFile: join(runDir, 'tcp.port'),
      tokenFile: join(runDir, 'token'),
      knockFile: join(runDir, 'knock'),
      proofFile: join(runDir, 'proof'),
      pidFile: join(runDir, 'daemon.pid'),
      spoolDir: join(home, 'spool'),
      logFile: join(home, 'daemon.log'),
    };
  }
  const userHome = env.HOME || homedir();
  const configDir = join(env.XDG_CONFIG_HOME || join(userHome, '.config'), 'prodguard');
  const dataDir = join(env.XDG_DATA_HOME || join(userHome, '.local', 'share'), 'prodguard');
  // XDG_RUNTIME_DIR is per-user and 0700 where it exists; otherwise a run dir under data.
  const runDir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'prodguard') : join(dataDir, 'run');
  return {
    home: null,
    configFile: join(configDir, 'config.json'),
    dataDir,
    dbFile: join(dataDir, 'audit.db'),
    runDir,
    socket: join(runDir, 'daemon.sock'),
    portFile: join(runDir, 'tcp.port'),
    tokenFile: join(runDir, 'token'),
    knockFile: join(runDir, 'knock'),
    proofFile: join(runDir, 'proof'),
    pidFile: join(runDir, 'daemon.pid'),
    spoolDir: join(dataDir, 'spool'),
    logFile: join(dataDir, 'daemon.log'),
  };
}
