import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throwaway Redis server for tests (Debian's redis-server, installed by scripts/setup.sh): no
// TCP port (--port 0), a unix socket 0700 in a temp dir, no persistence, no config file, stopped
// and removed after. Clients connect with `redis-cli -s <socket>`.

export interface TestRedis {
  socket: string;
  /** Runs one command with a separate redis-cli; its raw output. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const bin = '/usr/bin/redis-server';
  if (!existsSync(bin)) throw new Error(`${bin} not found: run scripts/setup.sh (it installs redis-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'pg-redis-'));
  chmodSync(dir, 0o700);
  const socket = join(dir, 'redis.sock');
  let log = '';
  const server: ChildProcess = spawn(
    bin,
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const cli = (...args: string[]): string =>
    execFileSync('redis-cli', ['-s', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  // Bounded poll until the server answers PING.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if (cli('PING') === 'PONG') break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    socket,
    cli,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
