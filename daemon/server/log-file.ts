import { closeSync, openSync, write, writeSync } from 'node:fs';

// The daemon's log file as a pino destination that never makes a request wait on the disk: lines
// are gathered in memory (bounded) and written by one asynchronous write(2) at a time. When the
// disk refuses (full, I/O error), what could not be written is dropped and counted, and writing
// pauses for a while: no retry loop, no sleep on the main loop (sonic-boom's destination retries
// EAGAIN by sleeping on it, and keeps the failed buffer growing).

/** Gathered lines past this many bytes are dropped (counted) until the disk takes them again. */
const MAX_PENDING_BYTES = 1 << 20;
/** After a failed write, nothing is tried for this long. */
const PAUSE_AFTER_ERROR_MS = 5_000;

export interface LogFileStats {
  /** Log lines dropped (disk full, or too many pending). */
  lost: number;
  lastError: { message: string; at: number } | null;
}

export interface LogFile {
  write(line: string): void;
  /** Best effort, synchronous (at stop): a failure is counted, not thrown. */
  flushSync(): void;
  stats(): LogFileStats;
  close(): void;
}

export function openLogFile(file: string): LogFile {
  const fd = openSync(file, 'a', 0o600);
  let pending: string[] = [];
  let pendingBytes = 0;
  let writing = false;
  let pausedUntil = 0;
  let lost = 0;
  let lastError: LogFileStats['lastError'] = null;

  const failed = (err: NodeJS.ErrnoException, lines: number): void => {
    lost += lines;
    lastError = { message: err.code ?? err.message, at: Date.now() };
    pausedUntil = Date.now() + PAUSE_AFTER_ERROR_MS;
  };

  const pump = (): void => {
    if (writing || pending.length === 0) return;
    if (Date.now() < pausedUntil) {
      setTimeout(pump, pausedUntil - Date.now()).unref();
      return;
    }
    const lines = pending.length;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    writing = true;
    write(fd, text, null, 'utf8', (err, written) => {
      writing = false;
      if (err) failed(err, lines);
      else if (written < Buffer.byteLength(text)) failed(Object.assign(new Error('short write'), { code: 'ENOSPC' }), 1);
      pump();
    });
  };

  return {
    write(line) {
      if (pendingBytes + line.length > MAX_PENDING_BYTES) {
        lost++;
        return;
      }
      pending.push(line);
      pendingBytes += line.length;
      pump();
    },
    flushSync() {
      if (pending.length === 0) return;
      const lines = pending.length;
      const text = pending.join('');
      pending = [];
      pendingBytes = 0;
      try {
        writeSync(fd, text);
      } catch (err) {
        failed(err as NodeJS.ErrnoException, lines);
      }
    },
    stats: () => ({ lost, lastError }),
    close() {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    },
  };
}
