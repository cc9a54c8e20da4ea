import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Transport } from '../daemon/contract/enums.js';
import { HealthReplySchema, PROTOCOL_VERSION, helloLine, knockLine, type HealthReply } from '../daemon/contract/protocol.js';
import type { Paths } from '../daemon/paths.js';

// A minimal client of the daemon protocol for the CLI (`daemon status`, `wrap`, `doctor`) and the
// tests: one connection, one request line, one reply line, bounded by a timeout.

export class DaemonUnreachable extends Error {}

export interface RequestOptions {
  /** `unix` (default, no token) or `tcp` (reads the port and token files unless given). */
  transport?: Transport;
  timeoutMs?: number;
  /** TCP only: override the token sent (tests send none or a wrong one with `null`/a string). */
  token?: string | null;
}

/** Sends one raw line (newline added) and resolves with the raw reply line. */
export function sendLine(paths: Paths, line: string | Buffer, opts: RequestOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      socket = opts.transport === 'tcp' ? connect({ host: '127.0.0.1', port: readPort(paths) }) : connect(paths.socket);
    } catch (err) {
      return reject(new DaemonUnreachable((err as Error).message));
    }
    let buf = '';
    let settled = false;
    // Over TCP the knock first; nothing else is sent before the daemon's proof has been checked.
    let expectHello: string | null = null;
    let knock = '';
    if (opts.transport === 'tcp') {
      try {
        knock = knockLine(readFileSync(paths.knockFile, 'utf8').trim());
        expectHello = helloLine(readFileSync(paths.proofFile, 'utf8').trim());
      } catch {
        socket.destroy();
        return reject(new DaemonUnreachable(`no knock or proof file in ${paths.runDir}`));
      }
    }
    const done = (err: Error | null, reply?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new DaemonUnreachable(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    const send = (): void => {
      socket.write(line);
      socket.write('\n');
    };
    socket.on('connect', () => {
      if (expectHello === null) send();
      else socket.write(`${knock}\n`);
    });
    socket.on('data', (d: string) => {
      buf += d;
      let nl = buf.indexOf('\n');
      if (expectHello !== null && nl !== -1) {
        if (buf.slice(0, nl) !== expectHello) return done(new DaemonUnreachable('the listener on the TCP port could not prove it is the daemon'));
        expectHello = null;
        buf = buf.slice(nl + 1);
        send();
        nl = buf.indexOf('\n');
      }
      if (nl !== -1) done(null, buf.slice(0, nl));
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(new DaemonUnreachable(`${err.code ?? err.message} on ${opts.transport === 'tcp' ? 'TCP' : paths.socket}`)),
    );
    socket.on('close', () => done(buf && expectHello === null ? null : new DaemonUnreachable('connection closed without a reply'), buf));
  });
}

/** Sends one request object and parses the reply. Adds the protocol version and, over TCP, the token. */
export async function requestDaemon(paths: Paths, req: Record<string, unknown>, opts: RequestOptions = {}): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { v: PROTOCOL_VERSION, ...req };
  if (opts.transport === 'tcp' && !('token' in req)) {
    const token = opts.token === undefined ? readToken(paths) : opts.token;
    if (token !== null) body.token = token;
  }
  return JSON.parse(await sendLine(paths, JSON.stringify(body), opts)) as Record<string, unknown>;
}

/** The daemon's health reply, or null when it does not answer (or answers something else). */
export async function requestHealth(paths: Paths, timeoutMs: number): Promise<HealthReply | null> {
  const parsed = HealthReplySchema.safeParse(await requestDaemon(paths, { op: 'health' }, { timeoutMs }));
  return parsed.success ? parsed.data : null;
}

export function readPort(paths: Paths): number {
  let text: string;
  try {
    text = readFileSync(paths.portFile, 'utf8');
  } catch {
    throw new DaemonUnreachable(`no port file at ${paths.portFile}`);
  }
  const port = Number.parseInt(text.trim(), 10);
  if (!(port > 0 && port < 65536)) throw new DaemonUnreachable(`bad port file ${paths.portFile}`);
  return port;
}

export function readToken(paths: Paths): string {
  try {
    return readFileSync(paths.tokenFile, 'utf8').trim();
  } catch {
    throw new DaemonUnreachable(`no token file at ${paths.tokenFile}`);
  }
}
