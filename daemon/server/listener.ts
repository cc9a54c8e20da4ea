import { createServer, type Server, type Socket } from 'node:net';

// Newline-delimited request/reply over one stream socket. Transport concerns only: a capped line
// buffer, a cap on concurrent connections and an idle timeout, so a flood or a slow peer costs the
// daemon bounded memory and never starves the other shells. What a line means is `handle`'s job.

const CLOSE_GRACE_MS = 250;
const DONE = { r: null }; // a slot whose reply went out (drops the reply for the GC)

export type Transport = 'unix' | 'tcp';

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
  idleTimeoutMs: number;
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
  socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
  socket.on('error', () => socket.destroy()); // a peer that vanished; nothing to tell anyone
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let stopped = false; // no more reading: over the cap, or a reply asked to close
  let closed = false; // the closing reply went out
  // Requests are handled as soon as they arrive (so a pipelined burst shares one store
  // transaction); replies go out in request order even when a later one finishes first: each
  // request holds a slot in `waiting`, and the ready slots at its head are written out.
  const waiting: Array<{ r: LineReply | null }> = [];
  let afterReplies: (() => void) | null = null; // runs once every slot is answered (end of input)

  // Replies that become ready in the same turn (a pipelined burst committed in one transaction)
  // leave in one write(2) of one string: gathered until the microtasks that resolve them have
  // all run (a socket.write per reply cost a buffered request object each, and a writev of many).
  let out: string[] = [];
  let flushing = false;
  const flushOut = (): void => {
    flushing = false;
    if (out.length === 0) return;
    // join() makes one flat string (a `+=` rope was slow to encode: ~3 us a reply in writeUtf8String).
    const text = out.length === 1 ? out[0]! : out.join('');
    out = [];
    if (!socket.destroyed) socket.write(text);
  };
  const reply = (r: LineReply): void => {
    if (socket.destroyed) return;
    out.push(`${r.line}\n`);
    if (r.close) {
      flushOut();
      closed = stopped = true;
      socket.end();
      // A peer still streaming gets no graceful close: drop it once the reply had its moment.
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    if (!flushing) {
      flushing = true;
      process.nextTick(flushOut);
    }
  };
  let head = 0; // waiting[head] is the oldest unanswered request
  const drain = (): void => {
    while (head < waiting.length && waiting[head]!.r !== null) {
      const r = waiting[head]!.r!;
      waiting[head++] = DONE;
      if (!closed) reply(r);
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
      if (afterReplies) {
        const fn = afterReplies;
        afterReplies = null;
        fn();
      }
    } else if (head >= 1024) {
      waiting.splice(0, head);
      head = 0;
    }
  };
  const INTERNAL: LineReply = { line: '{"v":1,"ok":false,"error":"internal error"}' };
  /** Queues a reply slot; `answer` fills it (a value now, or a promise). */
  const enqueue = (answer: LineReply | Promise<LineReply>): void => {
    if (!(answer instanceof Promise)) {
      waiting.push({ r: answer });
      if (waiting.length - head === 1) drain();
      return;
    }
    const slot: { r: LineReply | null } = { r: null };
    waiting.push(slot);
    answer.then(
      (r) => {
        slot.r = r;
        if (waiting[head] === slot) drain();
      },
      () => {
        slot.r = INTERNAL;
        if (waiting[head] === slot) drain();
      },
    );
  };
  let shaken = !opts.handshake;
  const submit = (line: string): void => {
    if (!shaken) {
      const hello = opts.handshake!(line);
      if (hello === null) {
        stopped = closed = true;
        socket.destroy();
        return;
      }
      shaken = true;
      socket.write(`${hello}\n`);
      return;
    }
    let answer: LineReply | Promise<LineReply>;
    try {
      answer = opts.handle(line, opts.transport);
    } catch {
      answer = INTERNAL;
    }
    enqueue(answer);
  };
  /** `fn` after every reply queued so far has gone out. */
  const whenAnswered = (fn: () => void): void => {
    if (waiting.length === head) return fn();
    const prev = afterReplies;
    afterReplies = prev ? () => (prev(), fn()) : fn;
  };

  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (pendingBytes + piece.length > opts.maxRequestBytes()) return tooBig();
      const line = pending.length ? Buffer.concat([...pending, piece]).toString('utf8') : piece.toString('utf8');
      pending = [];
      pendingBytes = 0;
      if (line.trim() !== '') submit(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > opts.maxRequestBytes()) return tooBig();
      pending.push(rest);
    }
  });
  // A last request without its newline still counts when the peer half-closes.
  socket.on('end', () => {
    if (!stopped && pendingBytes > 0) submit(Buffer.concat(pending).toString('utf8'));
    pending = [];
    whenAnswered(() => {
      flushOut();
      if (!socket.destroyed) socket.end();
    });
  });

  function tooBig(): void {
    pending = [];
    pendingBytes = 0;
    stopped = true;
    enqueue({ line: opts.oversized(), close: true });
  }
}
