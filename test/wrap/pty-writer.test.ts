import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IPty } from 'node-pty';
import { PtyWriter } from '../../cli/wrap/pty-writer.js';

// PtyWriter writes keys to the client's pty on the loop thread. A paste larger than the pty's
// input buffer, sent while the client is not reading, must arrive whole and in order.

async function rawReader(script: string): Promise<{ pty: IPty; out: () => string; exited: Promise<void> }> {
  const { spawn } = await import('node-pty');
  const pty = spawn('/bin/sh', ['-c', `stty raw -echo; echo ready; ${script}`], {
    name: 'xterm',
    cols: 80,
    rows: 24,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  let out = '';
  pty.onData((d) => (out += d));
  const exited = new Promise<void>((r) => pty.onExit(() => r()));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 5));
  return { pty, out: () => out, exited };
}

const fdOf = (pty: IPty): { fd: number; open: () => boolean } => {
  const p = pty as IPty & { fd: number; _socket: { destroyed: boolean } };
  return { fd: p.fd, open: () => !p._socket.destroyed };
};

describe('PtyWriter', () => {
  it('delivers a write larger than the pty buffer whole and in order while the reader is slow', async () => {
    const size = 300_000;
    const { pty, out, exited } = await rawReader(`sleep 0.3; head -c ${size} | sha256sum`);
    const { fd, open } = fdOf(pty);
    const w = new PtyWriter(fd, open);
    let data = '';
    for (let i = 0; data.length < size; i++) data += `${i.toString(36)} `;
    data = data.slice(0, size);
    // In several writes: later ones queue behind the first one's rest.
    w.write(data.slice(0, 1000));
    w.write(data.slice(1000, 200_000));
    w.write(data.slice(200_000));
    // The kernel took only part of it: the rest waits in order (the path under test).
    expect(w.pending).toBeGreaterThan(0);
    await exited;
    expect(out()).toContain(createHash('sha256').update(data).digest('hex'));
    w.close();
  });

  it('writes nothing once node-pty has closed the fd', async () => {
    const { pty, exited } = await rawReader('exit 0');
    const { fd, open } = fdOf(pty);
    const w = new PtyWriter(fd, open);
    await exited;
    expect(open()).toBe(false);
    expect(() => w.write('x')).not.toThrow();
  });
});
