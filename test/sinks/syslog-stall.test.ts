import { createServer, type Socket } from 'node:net';
import { expect, test } from 'vitest';
import { createSinks } from '../../daemon/sinks/index.js';
import { poll } from '../helpers/rsyslog.js';
import { config, FAST, memoryLogger, stored, tempDir } from './fixtures.js';

// A TCP receiver that accepts and then stops reading: the kernel buffers fill, the write stalls.
// The sink must notice (write timeout), drop that connection and resend on a new one; the caller
// is never held up. This receiver (node:net, parsing octet-counted frames) resumes the stalled
// connection once a second one arrives, so every byte ever sent is eventually read.

test('a receiver that stops reading: the write times out, the sink reconnects, every row arrives', async () => {
  const frames: Array<{ conn: number; seq: number }> = [];
  const conns: Socket[] = [];
  const server = createServer((sock) => {
    const conn = conns.push(sock) - 1;
    if (conn === 0) sock.pause();
    else conns[0]!.resume();
    // chunks are joined only once a whole frame is there (a stalled connection holds megabytes)
    let chunks: Buffer[] = [];
    let have = 0;
    let need = 0;
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      have += d.length;
      if (have < need) return;
      let buf = Buffer.concat(chunks);
      need = 0;
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString());
        if (buf.length < sp + 1 + len) {
          need = sp + 1 + len;
          break;
        }
        frames.push({ conn, seq: seqOf(buf.subarray(sp + 1, sp + 1 + len).toString()) });
        buf = buf.subarray(sp + 1 + len);
      }
      chunks = [buf];
      have = buf.length;
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { dir, cleanup } = tempDir();
  const log = memoryLogger();
  const sinks = createSinks(config({ syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port }] } }), {
    dataDir: dir,
    logger: log.logger,
    tuning: { ...FAST, syslogWriteTimeoutMs: 500 },
  });
  try {
    const N = 1_500;
    const pad = 'x'.repeat(8_000);
    // ~12 MB: more than the loopback socket buffers hold
    for (let i = 1; i <= N; i++) sinks.publish(stored(i, { command: `${i} ${pad}` }));
    await poll(() => conns.length >= 2, 20_000, 'a second connection after the stall');
    await poll(() => new Set(frames.map((f) => f.seq)).size === N, 20_000, `all ${N} rows`);
    // in order on each connection; the stalled batch may be seen twice (once per connection)
    for (const c of new Set(frames.map((f) => f.conn))) {
      const seqs = frames.filter((f) => f.conn === c).map((f) => f.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    expect(log.lines().some((l) => String(l.err).includes('receiver stopped reading (write stalled 500 ms)'))).toBe(true);
  } finally {
    await sinks.close();
    conns.forEach((c) => c.destroy());
    await new Promise<void>((r) => server.close(() => r()));
    cleanup();
  }
});

function seqOf(frame: string): number {
  return Number(/seq="(\d+)"/.exec(frame)![1]);
}
