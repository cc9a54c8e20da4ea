import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { poll } from './rsyslog.js';

// A real local HTTP server that behaves like a Slack incoming webhook / webhook receiver. Each
// request takes the next scripted behaviour (then `fallback`, 200 by default):
//   { status: 200 }                       -> "ok", like Slack
//   { status: 429, retryAfter: 1 }        -> Retry-After: 1 (seconds)
//   { status: 500 }                       -> server error
//   { hang: true }                        -> reads the request, never answers
// Every request is recorded with its headers, raw body, parsed JSON and what it was answered.

export type Behaviour = { status: number; retryAfter?: number; body?: string } | { hang: true };

export interface Recorded {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
  /** The status answered, or 'hang'. */
  answer: number | 'hang';
}

export interface FakeSlack {
  url: string;
  requests: Recorded[];
  /** Queue behaviours for the next requests. */
  script(...b: Behaviour[]): void;
  setFallback(b: Behaviour): void;
  /** Requests answered 2xx. */
  accepted(): Recorded[];
  waitFor(pred: (reqs: Recorded[]) => boolean, timeoutMs?: number): Promise<Recorded[]>;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const queue: Behaviour[] = [];
  let fallback: Behaviour = { status: 200 };
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // recorded as is; a test asserting JSON will fail on null
      }
      const b = queue.shift() ?? fallback;
      requests.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body, json, answer: 'hang' in b ? 'hang' : b.status });
      if ('hang' in b) return;
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
      res.writeHead(b.status, headers);
      res.end(b.body ?? (b.status === 200 ? 'ok' : b.status === 429 ? 'rate_limited' : 'error'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXXSECRET`,
    requests,
    script: (...b) => queue.push(...b),
    setFallback: (b) => (fallback = b),
    accepted: () => requests.filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300),
    async waitFor(pred, timeoutMs = 10_000) {
      await poll(() => pred(requests), timeoutMs, `fake Slack requests (have ${requests.length})`);
      return requests;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
