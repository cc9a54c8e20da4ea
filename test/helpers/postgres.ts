import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

// A throwaway PostgreSQL 15 cluster for tests: initdb + postgres from the server's bin dir, run as
// a non-root user (the server refuses root), listening only on a unix socket in a temp dir (no
// TCP port at all), stopped and removed after. Connect with `psql -h <dir> -U postgres`.

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** The socket directory: pass as `-h` (or PGHOST). */
  host: string;
  user: string;
  /** psql arguments that connect to database `db` (default postgres). */
  psqlArgs(db?: string): string[];
  /** Runs SQL with a separate, non-interactive psql and returns its tuples-only output. */
  query(sql: string, db?: string): string;
  stop(): Promise<void>;
}

/** The uid/gid to run the server as: ourselves unless root, then `postgres` or `nobody`. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run the server');
}

export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(PG_BIN, 'postgres'))) throw new Error(`PostgreSQL 15 not found in ${PG_BIN}: apt-get install postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'pg-wrap-'));
  const as = serverUser();
  if (as) chownSync(dir, as.uid, as.gid);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const ids = as ? { uid: as.uid, gid: as.gid } : {};
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...ids, env, stdio: 'pipe' });

  const server: ChildProcess = spawn(
    join(PG_BIN, 'postgres'),
    ['-D', data, '-k', dir, '-c', 'listen_addresses=', '-c', 'fsync=off', '-c', 'max_connections=20', '-c', 'shared_buffers=16MB'],
    { ...ids, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));

  const user = 'postgres';
  const psqlArgs = (db = 'postgres'): string[] => ['-h', dir, '-U', user, '-d', db];
  const query = (sql: string, db?: string): string =>
    execFileSync('psql', [...psqlArgs(db), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();

  // Bounded poll until the server accepts connections.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      execFileSync(join(PG_BIN, 'pg_isready'), ['-h', dir, '-U', user, '-q'], { stdio: 'ignore' });
      break;
    } catch {
      if (server.exitCode !== null || Date.now() > deadline) {
        server.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`postgres did not start (user ${userInfo().username}):\n${log.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    host: dir,
    user,
    psqlArgs,
    query,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGINT'); // fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
