import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

// Reading a file a line runs or feeds, bounded: one open (O_NONBLOCK, so a FIFO or a device
// named on the line never blocks the daemon), regular files only, a size cap, symlinks resolved
// by realpath (which fails on loops). Nothing here ever executes anything.

/** Largest file read (the 1 MB); a larger one is judged as today's line and says so. */
export const MAX_FILE_BYTES = 1 << 20;
/** Scripts calling scripts (and recipes calling make) are followed this deep. */
export const MAX_REACH_DEPTH = 3;
/** Wall-clock budget for everything one line reads and judges; past it the rest is not read. */
export const REACH_TIME_MS = 100;
/** Total bytes read for one line, over all files. */
export const MAX_TOTAL_BYTES = 4 << 20;

export type ReadResult = { ok: true; path: string; real: string; text: string; key: string } | { ok: false; path: string; reason: string };

/**
 * What was derived from a file's text (its statements, its parse), by the file's identity and
 * version (device, inode, size, mtime): the check, the decision that follows it and wrap's own
 * check read the same file within a second; splitting 1 MB of SQL is the dear part.
 */
const MAX_CACHED = 32;
/** By kind and real path: one version per file (a newer version replaces the older). */
const derived = new Map<string, { version: string; value: unknown }>();

export function cachedDerive<T>(r: { real: string; key: string }, kind: string, derive: () => T): T {
  const key = `${kind}\0${r.real}`;
  const hit = derived.get(key);
  if (hit) derived.delete(key); // re-inserted below: most recently used last
  if (hit && hit.version === r.key) {
    derived.set(key, hit);
    return hit.value as T;
  }
  const value = derive();
  if (derived.size >= MAX_CACHED) derived.delete(derived.keys().next().value!);
  derived.set(key, { version: r.key, value });
  return value;
}

/** Shared limits of one line's reach: the clock, the byte budget, the files already read. */
export class ReachBudget {
  private bytes = 0;
  readonly seen = new Set<string>();
  readonly notes: string[] = [];
  private readonly deadline: number;

  constructor(private readonly now: () => number = Date.now) {
    this.deadline = now() + REACH_TIME_MS;
  }

  get expired(): boolean {
    return this.now() > this.deadline;
  }

  note(msg: string): void {
    if (!this.notes.includes(msg) && this.notes.length < 16) this.notes.push(msg);
  }

  read(path: string, cwd: string, maxBytes = MAX_FILE_BYTES): ReadResult {
    const shown = path;
    if (this.expired) return { ok: false, path: shown, reason: `time limit (${REACH_TIME_MS} ms) reached` };
    const abs = isAbsolute(path) ? path : join(cwd || '/', path);
    let fd = -1;
    try {
      const real = realpathSync(abs);
      fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      const st = fstatSync(fd);
      if (!st.isFile()) return { ok: false, path: shown, reason: 'not a regular file' };
      if (st.size > maxBytes) return { ok: false, path: shown, reason: `too large (${st.size} bytes, limit ${maxBytes})` };
      if (this.bytes + st.size > MAX_TOTAL_BYTES)
        return { ok: false, path: shown, reason: `read limit for one line (${MAX_TOTAL_BYTES} bytes) reached` };
      const buf = Buffer.allocUnsafe(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, off);
        if (n <= 0) break;
        off += n;
      }
      this.bytes += off;
      // Decoded when first asked for: a file already split or parsed (cachedDerive) is not decoded again.
      let text: string | null = null;
      return {
        ok: true,
        path: shown,
        real,
        get text(): string {
          text ??= buf.toString('utf8', 0, off);
          return text;
        },
        key: `${real}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`,
      };
    } catch (err) {
      return { ok: false, path: shown, reason: reasonOf(err) };
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symlink loop';
    case 'ENOTDIR':
      return 'a path component is not a directory';
    case 'EISDIR':
      return 'a directory';
    default:
      return code ?? 'unreadable';
  }
}

/** 1-based line of each of `offsets` (ascending, as a scanner reports them), in one walk over the newlines. */
export function linesAt(text: string, offsets: ArrayLike<number>): number[] {
  const out = new Array<number>(offsets.length);
  let line = 1;
  let nl = text.indexOf('\n');
  let prev = 0;
  for (let k = 0; k < offsets.length; k++) {
    const at = Math.max(0, offsets[k]!);
    if (at < prev) {
      // not ascending: start the walk again
      line = 1;
      nl = text.indexOf('\n');
    }
    prev = at;
    while (nl >= 0 && nl < at) {
      line++;
      nl = text.indexOf('\n', nl + 1);
    }
    out[k] = line;
  }
  return out;
}

/** 1-based line of each offset, by binary search over the line starts (built once per file). */
export class LineIndex {
  private readonly starts: number[] = [0];
  private cursor = 0;

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Line of `needle`'s next occurrence (from the last one found, then from the top); 0 when absent. */
  find(needle: string): number {
    if (!needle) return 0;
    let at = this.text.indexOf(needle, this.cursor);
    if (at < 0) at = this.text.indexOf(needle);
    if (at < 0) return 0;
    this.cursor = at;
    return this.lineAt(at);
  }
}
