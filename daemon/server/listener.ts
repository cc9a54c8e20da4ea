import { createServer, type Server, type Socket } from 'node:net';
import type { Transport } from '../contract/enums.js';
import { INTERNAL_ERROR_LINE } from '../contract/protocol.js';

// Newline-delimited request/reply over one stream socket. Transport concerns only: a capped line
// buffer, a cap on concurrent connections and an idle timeout, so a flood or a slow peer costs the
// daemon bounded memory and never starves the other shells. What a line means is `handle`'s job.

const CLOSE_GRACE_MS = 250;
const DONE = { r: null }; // a slot whose reply went out (drops the reply for the GC)

export type { Transport };

export interface LineReply {
  /** One JSON line, without the newline. */
  line: string;
  /** Close the connection after writing (bad token, oversized request). */
  close?: boolean;
}

export interface ListenerOptions {
  transport: Transport;
  /** Answers one request line. Called in order per connection. */
  handle: (line: string, transport: Transport) => LineReply | Promise<LineReply>;
  /** Read at every chunk, so a config reload applies to open connections too. */
  maxRequestBytes: () => number;
  /** The reply to a line over the cap (the connection is closed after it). */
  oversized: () => string;
  maxConnections: number;
  /** Read at each new connection, so a config reload applies to the next ones. */
  idleTimeoutMs: () => number;
  /**
   * The answer to the first line of a connection (a handshake, not a request); null refuses the
   * peer, closed without a word. Over TCP: knock -> proof (protocol.ts knockLine).
   */
  handshake?: (firstLine: string) => string | null;
}

export function createLineServer(opts: ListenerOptions): Server {
  const server = createServer({ allowHalfOpen: false }, (socket) => serve(socket, opts));
  server.maxConnections = opts.maxConnections;
  return server;
}

function serve(socket: Socket, opts: ListenerOptions): void {
  socket.setNoDelay?.(true);
  socket.setTimeout(opts.idleTimeoutMs(), () => socket.destroy());
  socket.on('error', () => socket.destroy()); // a peer that vanished; nothing to tell anyone
  const out = new ReplyWriter(socket);
  const order = new ReplyOrder((r) => out.write(r));
  const lines = new LineReader(opts.maxRequestBytes);

  let shaken = !opts.handshake;
  const submit = (line: string): void => {
    if (!shaken) {
      const hello = opts.handshake!(line);
      if (hello === null) {
        out.refuse();
        return;
      }
      shaken = true;
      out.write({ line: hello });
      return;
    }
    let answer: LineReply | Promise<LineReply>;
    try {
      answer = opts.handle(line, opts.transport);
    } catch {
      answer = INTERNAL;
    }
    order.enqueue(answer);
  };
  const tooBig = (): void => {
    out.stopReading();
    order.enqueue({ line: opts.oversized(), close: true });
  };

  socket.on('data', (chunk: Buffer) => {
    if (out.stopped) return;
    if (!lines.push(chunk, submit)) tooBig();
  });
  // A last request without its newline still counts when the peer half-closes.
  socket.on('end', () => {
    const last = lines.rest();
    if (!out.stopped && last !== null) submit(last);
    order.whenAnswered(() => out.end());
  });
}

const INTERNAL: LineReply = { line: INTERNAL_ERROR_LINE };

/**
 * Splits a stream into lines under a byte cap (read at every chunk, so a config reload applies
 * to open connections too). A line may span chunks: its pieces wait in `pending`.
 */
class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: () => number) {}

  /** Hands each complete non-blank line to `onLine`; false once the cap is exceeded (the rest is dropped). */
  push(chunk: Buffer, onLine: (line: string) => void): boolean {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.pendingBytes + piece.length > this.maxBytes()) return this.drop();
      const line = this.pending.length ? Buffer.concat([...this.pending, piece]).toString('utf8') : piece.toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      if (line.trim() !== '') onLine(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxBytes()) return this.drop();
      this.pending.push(rest);
    }
    return true;
  }

  /** The unterminated last line, if any (and forgets it). */
  rest(): string | null {
    const text = this.pendingBytes > 0 ? Buffer.concat(this.pending).toString('utf8') : null;
    this.drop();
    return text;
  }

  private drop(): false {
    this.pending = [];
    this.pendingBytes = 0;
    return false;
  }
}

/**
 * Replies in request order. Requests are handled as soon as they arrive (so a pipelined burst
 * shares one store transaction), and a later one may finish first: each request holds a slot,
 * and the ready slots at the head are delivered.
 */
class ReplyOrder {
  private readonly waiting: Array<{ r: LineReply | null }> = [];
  private head = 0; // waiting[head] is the oldest unanswered request
  private afterReplies: (() => void) | null = null; // runs once every slot is answered (end of input)

  constructor(private readonly deliver: (r: LineReply) => void) {}

  /** Queues a reply slot; `answer` fills it (a value now, or a promise). */
  enqueue(answer: LineReply | Promise<LineReply>): void {
    if (!(answer instanceof Promise)) {
      this.waiting.push({ r: answer });
      if (this.waiting.length - this.head === 1) this.drain();
      return;
    }
    const slot: { r: LineReply | null } = { r: null };
    this.waiting.push(slot);
    answer.then(
      (r) => this.fill(slot, r),
      () => this.fill(slot, INTERNAL),
    );
  }

  /** `fn` after every reply queued so far has gone out. */
  whenAnswered(fn: () => void): void {
    if (this.waiting.length === this.head) return fn();
    const prev = this.afterReplies;
    this.afterReplies = prev ? () => (prev(), fn()) : fn;
  }

  private fill(slot: { r: LineReply | null }, r: LineReply): void {
    slot.r = r;
    if (this.waiting[this.head] === slot) this.drain();
  }

  private drain(): void {
    const { waiting } = this;
    while (this.head < waiting.length && waiting[this.head]!.r !== null) {
      const r = waiting[this.head]!.r!;
      waiting[this.head++] = DONE;
      this.deliver(r);
    }
    if (this.head === waiting.length) {
      waiting.length = 0;
      this.head = 0;
      if (this.afterReplies) {
        const fn = this.afterReplies;
        this.afterReplies = null;
        fn();
      }
    } else if (this.head >= 1024) {
      waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * Writes replies to the socket. Replies that become ready in the same turn (a pipelined burst
 * committed in one transaction) leave in one write(2) of one string: gathered until the
 * microtasks that resolve them have all run (a socket.write per reply cost a buffered request
 * object each, and a writev of many). A reply with `close` ends the connection after it.
 */
class ReplyWriter {
  private out: string[] = [];
  private flushing = false;
  /** No more reading: over the cap, or a reply asked to close. */
  stopped = false;
  /** The closing reply went out: later replies are dropped. */
  private closed = false;

  constructor(private readonly socket: Socket) {}

  write(r: LineReply): void {
    if (this.closed || this.socket.destroyed) return;
    this.out.push(`${r.line}\n`);
    if (r.close) {
      this.flush();
      this.closed = this.stopped = true;
      this.socket.end();
      // A peer still streaming gets no graceful close: drop it once the reply had its moment.
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    if (!this.flushing) {
      this.flushing = true;
      process.nextTick(this.flushLater);
    }
  }

  stopReading(): void {
    this.stopped = true;
  }

  /** Drops the peer without a word (a failed handshake). */
  refuse(): void {
    this.closed = this.stopped = true;
    this.socket.destroy();
  }

  /** Flushes what is gathered and ends the connection (the peer's input ended). */
  end(): void {
    this.flush();
    // Not twice: a closing reply ended it already, and a second end() builds (and drops) an
    // ERR_STREAM_ALREADY_FINISHED with its stack, ~0.15 ms on every agent hook call.
    if (!this.closed && !this.socket.destroyed) this.socket.end();
  }

  private readonly flushLater = (): void => this.flush();

  private flush(): void {
    this.flushing = false;
    if (this.out.length === 0) return;
    // join() makes one flat string (a `+=` rope was slow to encode: ~3 us a reply in writeUtf8String).
    const text = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    if (!this.socket.destroyed) this.socket.write(text);
  }
}
