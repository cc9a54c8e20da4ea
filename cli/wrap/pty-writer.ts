import { writeSync } from 'node:fs';

// Keys to the client's pty, written on the main thread. node-pty's own write() hands every chunk
// to the libuv thread pool (fs.write), so each key costs two cross-thread wake-ups (the pool
// thread, then the completion back on the loop) before and while the client runs: on a 2-core
// VM that was the largest share of the wrapper's added keystroke latency (see test/bench/wrap.ts).
// The master fd is non-blocking: a key or a line goes through in one write(2); what the kernel
// does not take (a large paste the client has not read yet) waits here, in order, and is retried
// shortly after, like node-pty's queue does.
//
// `isOpen` must turn false as soon as node-pty closes the fd (its read stream is destroyed on
// the client's EIO before 'exit' is reported): a write after that could land on a file that
// reused the fd number.

const RETRY_MS = 1;

export class PtyWriter {
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly isOpen: () => boolean,
  ) {}

  write(data: string): void {
    if (this.closed || data.length === 0) return;
    if (!this.isOpen()) return this.close();
    const buf = Buffer.from(data, 'utf8');
    if (this.queue.length) {
      this.queue.push(buf);
      return;
    }
    const rest = this.tryWrite(buf);
    if (rest) {
      this.queue.push(rest);
      this.schedule();
    }
  }

  /** Bytes waiting for the client to read (the kernel's pty buffer was full). */
  get pending(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  /** Stops writing (the client is gone); pending bytes are dropped. */
  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Writes what the kernel takes now; returns the part left (null when all of it went). */
  private tryWrite(buf: Buffer): Buffer | null {
    if (!this.isOpen()) {
      this.close();
      return null;
    }
    let off = 0;
    while (off < buf.length) {
      let n: number;
      try {
        n = writeSync(this.fd, buf, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return buf.subarray(off);
        if (code === 'EINTR') continue;
        // EIO/EBADF: the client has exited; its exit is reported by node-pty.
        this.close();
        return null;
      }
      off += n;
    }
    return null;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      while (this.queue.length) {
        const rest = this.tryWrite(this.queue[0]!);
        if (this.closed) return;
        if (rest) {
          this.queue[0] = rest;
          this.schedule();
          return;
        }
        this.queue.shift();
      }
    }, RETRY_MS);
  }
}
