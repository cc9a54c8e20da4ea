import { createSocket as createUdpSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SyslogTarget } from '../../config/schema.js';
import { frame } from './format.js';

// The four ways a syslog message leaves: a unix datagram socket (/dev/log; Node core cannot, so
// `unix-dgram`), UDP, TCP and TLS (RFC 5425), the last two with RFC 6587 octet counting.
// `send` hands messages to the kernel in order and returns how many it took; a transport that
// failed says so with `broken` and is replaced by the caller.

export interface Transport {
  open(): Promise<void>;
  send(messages: Buffer[]): Promise<number>;
  close(): void;
  readonly broken: boolean;
}

const CONNECT_TIMEOUT_MS = 10_000;
export const WRITE_TIMEOUT_MS = 30_000;

export function createTransport(t: SyslogTarget, writeTimeoutMs = WRITE_TIMEOUT_MS): Transport {
  switch (t.type) {
    case 'unix':
      return new UnixTransport(t.path);
    case 'udp':
      return new UdpTransport(t.host, t.port);
    case 'tcp':
    case 'tls':
      return new StreamTransport(t, writeTimeoutMs);
  }
}

/** Where a target sends, for status lines and logs (no secrets in syslog targets). */
export function describeTarget(t: SyslogTarget): string {
  return t.type === 'unix' ? `unix:${t.path}` : `${t.type}://${t.host}:${t.port}`;
}

interface UnixDgramSocket {
  on(event: 'error', cb: (err: Error) => void): void;
  on(event: 'connect' | 'writable', cb: () => void): void;
  connect(path: string): void;
  send(buf: Buffer, cb: (err?: Error) => void): void;
  close(): void;
}
const requireCjs = createRequire(import.meta.url);

/** unix and UDP: one message per datagram; a failed send marks the socket broken. */
abstract class DatagramTransport<S extends { close(): void }> implements Transport {
  protected sock: S | null = null;
  broken = false;

  abstract open(): Promise<void>;
  /** Where the datagrams go, for error messages. */
  protected abstract readonly where: string;
  /** Hands one datagram to the kernel; the error if it was not taken. */
  protected abstract sendOne(m: Buffer): Promise<Error | null>;

  async send(messages: Buffer[]): Promise<number> {
    let sent = 0;
    for (const m of messages) {
      const err = await this.sendOne(m);
      if (err) {
        this.broken = true;
        if (sent === 0) throw new Error(`send to ${this.where}: ${err.message}`);
        break;
      }
      sent++;
    }
    return sent;
  }

  close(): void {
    try {
      this.sock?.close();
    } catch {
      // already closed
    }
    this.sock = null;
  }
}

class UnixTransport extends DatagramTransport<UnixDgramSocket> {
  constructor(private readonly path: string) {
    super();
  }

  protected get where(): string {
    return this.path;
  }

  async open(): Promise<void> {
    const unix = requireCjs('unix-dgram') as { createSocket(type: 'unix_dgram'): UnixDgramSocket };
    const sock = unix.createSocket('unix_dgram');
    let failure: Error | null = null;
    // unix-dgram reports connect errors synchronously through the 'error' event.
    sock.on('error', (err) => {
      failure = err;
      this.broken = true;
    });
    sock.connect(this.path);
    if (failure) {
      sock.close();
      throw new Error(`cannot connect to ${this.path}: ${(failure as Error).message}`);
    }
    this.sock = sock;
  }

  protected sendOne(m: Buffer): Promise<Error | null> {
    // 'congestion' means the receiver's buffer is full: retry later; anything else reconnects.
    return new Promise((resolve) => this.sock!.send(m, (err) => resolve(err ?? null)));
  }
}

class UdpTransport extends DatagramTransport<UdpSocket> {
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super();
  }

  protected get where(): string {
    return `udp://${this.host}:${this.port}`;
  }

  async open(): Promise<void> {
    const sock = createUdpSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(this.port, this.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    // An ICMP "port unreachable" surfaces later as ECONNREFUSED on this connected socket.
    sock.on('error', () => {
      this.broken = true;
    });
    this.sock = sock;
  }

  protected async sendOne(m: Buffer): Promise<Error | null> {
    const err = await new Promise<Error | null>((resolve) => this.sock!.send(m, (e) => resolve(e ?? null)));
    // An ICMP error reported since the last send fails this one too.
    return err ?? (this.broken ? new Error('unreachable') : null);
  }
}

class StreamTransport implements Transport {
  private sock: Socket | null = null;
  broken = false;
  constructor(
    private readonly t: Extract<SyslogTarget, { type: 'tcp' | 'tls' }>,
    private readonly writeTimeoutMs: number,
  ) {}

  async open(): Promise<void> {
    const t = this.t;
    const sock =
      t.type === 'tls'
        ? tlsConnect({
            host: t.host,
            port: t.port,
            servername: isIP(t.host) ? undefined : t.host,
            ca: t.ca ? readCa(t.ca) : undefined,
            rejectUnauthorized: t.rejectUnauthorized,
          })
        : netConnect({ host: t.host, port: t.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('connect timed out')), CONNECT_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(`cannot connect to ${describeTarget(t)}: ${err.message}`));
      };
      sock.once('error', fail);
      sock.once(t.type === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        sock.off('error', fail);
        resolve();
      });
    });
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    sock.on('error', () => {
      this.broken = true;
    });
    sock.on('close', () => {
      this.broken = true;
    });
    sock.on('data', () => {
      // syslog receivers do not answer; ignore anything they send
    });
    this.sock = sock;
  }

  async send(messages: Buffer[]): Promise<number> {
    const sock = this.sock;
    if (!sock || this.broken) throw new Error(`${describeTarget(this.t)}: connection lost`);
    const data = Buffer.concat(messages.map(frame));
    await new Promise<void>((resolve, reject) => {
      // A receiver that stops reading would hold this write forever: give up on the connection
      // and resend the batch on a new one (the receiver may see part of it twice).
      const timer = setTimeout(() => {
        this.broken = true;
        sock.destroy();
        reject(new Error(`${describeTarget(this.t)}: receiver stopped reading (write stalled ${this.writeTimeoutMs} ms)`));
      }, this.writeTimeoutMs);
      sock.write(data, (err) => {
        clearTimeout(timer);
        if (err) reject(new Error(`write to ${describeTarget(this.t)}: ${err.message}`));
        else resolve();
      });
    });
    return messages.length;
  }

  close(): void {
    this.sock?.destroy();
    this.sock = null;
  }
}

/** `ca` is PEM text or the path of a PEM file. */
function readCa(ca: string): string {
  return ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8');
}
