import { chmodSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import { StartError, rmQuiet } from './runfiles.js';

// Binding and closing the daemon's listening sockets (the real listeners and the warm-up's).

/** Binds `server` to 127.0.0.1 only, on `port` (0: a free one). */
export function listenLoopback(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Someone answers on `path`: a live daemon (or something else we must not unlink). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Binds `server` to the unix socket `path`, 0600 from birth; takes over a dead daemon's file. */
export async function listenUnix(path: string, server: Server): Promise<Server> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // The bind happens inside listen(): under umask 177 the socket is 0600 from birth.
        const umask = process.umask(0o177);
        try {
          server.listen(path, () => {
            server.off('error', reject);
            resolve();
          });
        } finally {
          process.umask(umask);
        }
      });
      chmodSync(path, 0o600);
      return server;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 0) throw err;
      // A socket file left by a dead daemon: remove it only when no one answers on it.
      if (await socketAnswers(path)) throw new StartError(`another process is listening on ${path}`);
      rmQuiet(path);
    }
  }
}

/** Stops accepting, gives open connections a moment to get their replies, then drops them. */
export async function closeListener(server: Server, open: Set<Socket> | undefined): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (let i = 0; i < 20 && open && open.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  for (const s of open ?? []) s.destroy();
  await closed;
}
