import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import { EXIT } from '../contract/exit-codes.js';

// The daemon's files in the run directory: a private directory, the per-start TCP token and proof,
// the port file and the pid file that makes the daemon a single instance.

/** The daemon cannot start for a reason the user fixes (printed as one line). */
export class StartError extends Error {
  readonly exitCode = EXIT.DAEMON_DOWN;
}

export class RunDirError extends StartError {}

const uid = (): number => process.getuid?.() ?? 0;

/**
 * Why `dir` must not hold the daemon's files or the hooks' spool, as one line that says how to fix
 * it; null when it is fine: a real directory (not a symlink: someone else may have made it), owned
 * by this uid, writable by no one else (a group/world-writable one may already hold a planted file
 * or a fake run/; refused, not silently fixed). Does not create anything.
 */
export function privateDirProblem(dir: string): string | null {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? null
      : `${dir} cannot be examined (${(err as NodeJS.ErrnoException).code}): check its permissions`;
  }
  if (st.isSymbolicLink())
    return `${dir} is a symlink, which prodguard does not follow: remove it (rm ${dir}) or point PRODGUARD_HOME at the real directory`;
  if (!st.isDirectory()) return `${dir} is not a directory: remove it and retry`;
  if (st.uid !== uid()) return `${dir} belongs to uid ${st.uid}, not to you (uid ${uid()}): remove it, or chown ${uid()} ${dir} if it is yours`;
  if ((st.mode & 0o022) !== 0)
    return `${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 700 ${dir}`;
  return null;
}

/**
 * Creates `dir` 0700 (and missing parents 0700), tightens a 0755-like mode to 0700, and refuses a
 * directory privateDirProblem() objects to: the socket, token and spool never sit where others reach.
 */
export function ensurePrivateDir(dir: string): void {
  const before = privateDirProblem(dir);
  if (before) throw new RunDirError(before);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir);
  if (problem) throw new RunDirError(problem);
  const st = lstatSync(dir);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Writes a 0600 file atomically (temp file + rename), so readers never see half a file. */
export function writePrivateFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmQuiet(tmp);
  // 'wx': O_CREAT|O_EXCL never follows a symlink planted at the temp name.
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * A new 32-byte secret (hex) in a 0600 file, replacing the old one: the TCP token and the daemon's
 * proof are per start, so a token seen once (a crash, a copy) is worthless after the next start.
 */
export function writeFreshSecret(file: string): string {
  const secret = randomBytes(32).toString('hex');
  writePrivateFile(file, `${secret}\n`);
  return secret;
}

/** Pid recorded in the pid file, or null when there is none (or it is unreadable/empty). */
export function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is a live prodguard daemon (a recycled pid running something else is not). */
export function isDaemonAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('daemon');
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export type LockResult = { ok: true; release: () => void } | { ok: false; pid: number };

const sleepSync = (ms: number): void => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) as unknown as void;

/**
 * Single instance: the pid file is created with O_EXCL. A pid file left by a dead daemon is broken
 * under a second O_EXCL "breaker" file, after re-reading that it still names the dead pid, so two
 * daemons racing over a stale file cannot both remove it and both win.
 */
export function acquirePidLock(file: string, timeoutMs = 5_000): LockResult {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { ok: true, release: () => releasePidLock(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = readPid(file);
    if (pid !== null && pid !== process.pid && isDaemonAlive(pid)) return { ok: false, pid };
    // Empty file: a racing daemon created it and is about to write its pid; give it a moment.
    const fresh = pid === null && ageMs(file) < 2_000;
    if (!fresh) breakStaleLock(file, pid);
    if (Date.now() > deadline) throw new RunDirError(`could not take ${file}; remove it if no daemon is running`);
    sleepSync(fresh ? 20 : 5);
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function breakStaleLock(file: string, stalePid: number | null): void {
  const breaker = `${file}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (ageMs(breaker) > 5_000) rmQuiet(breaker); // its owner died mid-break
    return;
  }
  try {
    if (readPid(file) === stalePid) rmQuiet(file);
  } finally {
    closeSync(fd);
    rmQuiet(breaker);
  }
}

function releasePidLock(file: string): void {
  if (readPid(file) === process.pid) rmQuiet(file);
}

export function rmQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}
