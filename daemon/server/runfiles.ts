import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { EXIT } from '../contract/exit-codes.js';

// The daemon's files in the run directory: a private directory, the per-user TCP token, the port
// file and the pid file that makes the daemon a single instance.

/** The daemon cannot start for a reason the user fixes (printed as one line). */
export class StartError extends Error {
  readonly exitCode = EXIT.DAEMON_DOWN;
}

export class RunDirError extends StartError {}

const uid = (): number => process.getuid?.() ?? 0;

/**
 * Creates `dir` 0700 (and missing parents 0700), fixes a wrong mode, and refuses a directory that
 * is a symlink or belongs to another uid: the socket and token must never sit where others reach.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new RunDirError(`${dir} is not a directory (a symlink or a file); remove it and retry`);
  if (st.uid !== uid()) throw new RunDirError(`${dir} belongs to uid ${st.uid}, not to you (uid ${uid()}); refusing to use it`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Writes a 0600 file atomically (temp file + rename), so readers never see half a file. */
export function writePrivateFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The per-user TCP token: 32 random bytes as hex, generated once and kept across restarts. */
export function loadOrCreateToken(file: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) {
      if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
      return text;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('hex');
  writePrivateFile(file, `${token}\n`);
  return token;
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
