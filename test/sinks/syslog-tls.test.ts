import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSinks } from '../../daemon/sinks/index.js';
import { poll } from '../helpers/rsyslog.js';
import { config, FAST, memoryLogger, stored, tempDir, waitStatus } from './fixtures.js';

// Syslog over TLS (RFC 5425). The rsyslog here has no TLS driver (gtls/ossl packages are not
// installed), so the receiver is a node:tls server that parses RFC 6587 octet-counted frames
// itself. The certificate is self-signed, generated now with the openssl CLI, and trusted
// through the target's `ca`: the client really verifies the chain and the IP SAN.

interface Receiver {
  port: number;
  frames: string[];
  /** Bytes that did not form a complete `LEN SP MSG` frame when a connection closed. */
  garbage: string[];
  dropClients(): void;
  close(): Promise<void>;
}

async function listen(key: Buffer, cert: Buffer, port = 0): Promise<Receiver> {
  const frames: string[] = [];
  const garbage: string[] = [];
  const clients = new Set<TLSSocket>();
  const server: Server = createServer({ key, cert }, (sock) => {
    clients.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString());
        if (!Number.isInteger(len) || len <= 0) throw new Error(`bad frame length: ${buf.subarray(0, sp).toString()}`);
        if (buf.length < sp + 1 + len) break;
        frames.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        buf = buf.subarray(sp + 1 + len);
      }
    });
    sock.on('close', () => {
      clients.delete(sock);
      if (buf.length) garbage.push(buf.toString());
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    frames,
    garbage,
    dropClients: () => clients.forEach((c) => c.destroy()),
    close: () =>
      new Promise<void>((r) => {
        clients.forEach((c) => c.destroy());
        server.close(() => r());
      }),
  };
}

describe('syslog over TLS', () => {
  const tmp = tempDir('pg-tls-');
  let key: Buffer;
  let cert: Buffer;
  const certFile = join(tmp.dir, 'cert.pem');

  beforeAll(() => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(tmp.dir, 'key.pem'),
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(tmp.dir, 'key.pem'));
    cert = readFileSync(certFile);
  });
  afterAll(() => tmp.cleanup());

  test('octet-counted RFC 5424 frames over a verified TLS connection, resent after the server drops it', async () => {
    const rx = await listen(key, cert);
    const { dir, cleanup } = tempDir();
    const cfg = config({ syslog: { targets: [{ type: 'tls', host: '127.0.0.1', port: rx.port, ca: certFile, appName: 'pg-tls' }] } });
    const sinks = createSinks(cfg, { dataDir: dir, logger: memoryLogger().logger, hostname: 'web1', tuning: FAST });
    try {
      sinks.publish(stored(1, { command: 'echo "a\nb" ]' }));
      sinks.publish(stored(2));
      await poll(() => rx.frames.length === 2, 10_000, 'two TLS frames');
      expect(rx.frames[0]).toMatch(/^<84>1 \S+ web1 pg-tls \d+ command \[prodguard@32473 user="alice" .*seq="1" .*\] echo "a\nb" \]$/);
      expect(rx.frames[1]).toContain('seq="2"');

      // The server drops the connection: once the client has seen it go (rows written into a
      // connection the peer already reset are lost to plain TCP/TLS syslog, which has no
      // acknowledgements), the next rows reconnect and arrive, none twice.
      rx.dropClients();
      await waitStatus(sinks, (s) => !s.connected);
      for (let i = 3; i <= 10; i++) sinks.publish(stored(i));
      await poll(() => rx.frames.length >= 10, 10_000, 'frames after reconnect');
      await sinks.flush(2_000);
      const seqs = rx.frames.map((f) => Number(/seq="(\d+)"/.exec(f)![1]));
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(rx.garbage).toEqual([]);
    } finally {
      await sinks.close();
      await rx.close();
      cleanup();
    }
  });

  test('an untrusted certificate is refused: rows stay queued and the error says why', async () => {
    const rx = await listen(key, cert);
    const { dir, cleanup } = tempDir();
    // no `ca`: the self-signed certificate is not trusted
    const cfg = config({ syslog: { targets: [{ type: 'tls', host: '127.0.0.1', port: rx.port }] } });
    const sinks = createSinks(cfg, { dataDir: dir, logger: memoryLogger().logger, tuning: FAST });
    try {
      sinks.publish(stored(1));
      const st = await waitStatus(sinks, (s) => s.lastError !== null);
      expect(st.lastError).toMatch(/self.signed certificate/i);
      expect(st).toMatchObject({ queued: 1, connected: false, ok: false });
      expect(rx.frames).toEqual([]);
    } finally {
      await sinks.close();
      await rx.close();
      cleanup();
    }
  });
});
