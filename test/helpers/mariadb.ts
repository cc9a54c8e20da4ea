import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throwaway MariaDB server for tests (Debian's mariadb-server, installed by scripts/setup.sh):
// a data directory made by mariadb-install-db in a temp dir, the server run as the `mysql` user
// (it refuses root) with no TCP at all (--skip-networking), only a unix socket in the temp dir,
// no config files read (--no-defaults), stopped and removed after. Clients connect with
// `-S <socket>` or MYSQL_UNIX_PORT=<socket>.

export interface TestMariadb {
  socket: string;
  /** Runs SQL with a separate, non-interactive client; its tab-separated output. */
  query(sql: string, db?: string): string;
  stop(): Promise<void>;
}

const SERVER = '/usr/sbin/mariadbd';

/** The uid/gid to run the server as: ourselves unless root, then `mysql`. */
function serverUser(): { uid: number; gid: number; name: string } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim());
  return { uid, gid, name: 'mysql' };
}

export async function startMariadb(): Promise<TestMariadb> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} not found: run scripts/setup.sh (it installs mariadb-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'pg-mariadb-'));
  const as = serverUser();
  const data = join(dir, 'data');
  mkdirSync(data);
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(data, as.uid, as.gid);
  }
  chmodSync(dir, 0o700);
  const socket = join(dir, 'mysqld.sock');
  const errLog = join(dir, 'error.log');
  const user = as ? [`--user=${as.name}`] : [];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
    { env, stdio: 'pipe' },
  );
  const server: ChildProcess = spawn(
    SERVER,
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...user,
      `--socket=${socket}`,
      '--skip-networking',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${errLog}`,
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--skip-grant-tables',
    ],
    { env, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const query = (sql: string, db?: string): string =>
    execFileSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', ...(db ? [db] : []), '-e', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();

  // Bounded poll until the server answers (mariadb-admin ping exits 0 once it does).
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      execFileSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping'], { stdio: 'ignore' });
      break;
    } catch {
      if (server.exitCode !== null || Date.now() > deadline) {
        server.kill('SIGKILL');
        const log = existsSync(errLog) ? readFileSync(errLog, 'utf8').slice(-2000) : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`mariadbd did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    socket,
    query,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM'); // normal shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
