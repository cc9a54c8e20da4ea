import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../daemon/config/load.js';
import { resolvePaths } from '../../daemon/paths.js';
import { cliMain, homeEnv, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { check, decision, finish, session } from '../daemon/requests.js';
import { echoLine, prodShell, spoolLeft, verifyChain, waitAllRecorded } from './harness.js';

// Faults of the audit database: disk full, read-only, locked by another process, corrupt.
// Every test runs the real daemon (dist/) and, where the promise involves the hook, a real bash.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const cli = (home: string, args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [cliMain, ...args], { env: homeEnv(home), encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** A tiny real filesystem (tmpfs) we can fill or make read-only; we run as root. */
function tmpfs(sizeKb: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs failed (the disk-full test needs root): ${r.stderr}`);
  cleanups.push(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes zeros to a file on `dir` until the filesystem refuses (ENOSPC); returns the file. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

async function started(opts: Parameters<typeof startDaemon>[0] = {}): Promise<TestDaemon> {
  const d = await startDaemon(opts);
  cleanups.push(() => d.dispose());
  return d;
}

async function shell(home: string): Promise<ShellSession> {
  const sh = await prodShell('bash', home);
  cleanups.push(() => sh.close());
  return sh;
}

/** Hook requests per line: the check, a fallback decision, the finish at the next prompt. */
const REQUESTS_PER_LINE = 3;
/** Slack for a loaded 2-core machine (a correctness bound: the shell never waits unboundedly). */
const MARGIN_MS = 3_000;

describe('database faults', () => {
  it('disk full: checks still answer, the hook spools what the store refuses, nothing is lost once space is back', async () => {
    // The database lives on a 1 MB tmpfs (symlinked from PRODGUARD_HOME); the spool stays on the
    // home's filesystem, as when /var fills up but the user's home does not.
    const fs = tmpfs(1024);
    const home = tempHome();
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    symlinkSync(join(fs, 'audit.db'), join(home, 'audit.db'));
    const d = await started({ home });
    expect(existsSync(join(fs, 'audit.db-wal')), 'SQLite follows the symlink: WAL beside the real file').toBe(true);
    const sh = await shell(home);
    const markers = ['full-0'];
    await echoLine(sh, 'full-0');

    const filler = fill(fs);
    // Protocol level: write until the store refuses (the WAL may absorb a few rows first). A full
    // disk degrades recording, never evaluation: every check still gets its verdict, and what the
    // store refused is held in memory (counted in health) and retried.
    const heldNow = async (): Promise<number> => ((await d.request({ op: 'health' })).writer as { held: number }).held;
    let refused = false;
    for (let i = 1; i <= 2000 && !refused; i++) {
      const r = await d.request(check('s-full', i, `echo probe-${i}`, { ts: Date.now() }));
      expect(r, 'a check is answered with its verdict on a full disk').toMatchObject({ ok: true, verdict: 'allow' });
      refused = (await heldNow()) > 0;
    }
    expect(refused, 'the store refused writes once the disk was full').toBe(true);
    expect(d.logs(), 'the log says why').toContain('database or disk is full');
    const health = await d.request({ op: 'health' });
    expect(health.ok, 'health still answers').toBe(true);
    expect(health.writer, 'health names the store failure (doctor shows it)').toMatchObject({
      lastError: { message: expect.stringMatching(/full/i) },
    });

    // The guard holds: a destructive line is still questioned (the hook's local, fail-closed check).
    const hookTimeoutMs = loadConfig(d.paths).daemon.hookTimeoutMs;
    let worst = 0;
    for (let i = 1; i <= 5; i++) {
      markers.push(`full-${i}`);
      worst = Math.max(worst, await echoLine(sh, `full-${i}`));
    }
    // A destructive line is questioned by the daemon's own verdict (evaluation is not degraded:
    // no local fallback, nothing said about an unreachable daemon). A wrong phrase: it does not run.
    const asked = sh.mark();
    const victimDir = mkdtempSync(join(tmpdir(), 'pg-full-victim-'));
    cleanups.push(() => rmSync(victimDir, { recursive: true, force: true }));
    sh.line(`rm -rf ${victimDir}`);
    await sh.waitFor(/Type "[^"]+" to run it/, { since: asked, timeoutMs: REQUESTS_PER_LINE * hookTimeoutMs + MARGIN_MS });
    expect(sh.text().slice(asked)).not.toMatch(/checked locally|unreachable/);
    sh.line('no');
    await echoLine(sh, 'full-asked');
    expect(existsSync(victimDir), 'the refused line did not run').toBe(true);
    // A line's result is handed over at the next prompt and its reply read with the next line's
    // request (the prompt does not wait for the daemon's commit): one more line sends full-5's
    // refused result to the spool.
    await echoLine(sh, 'full-after');
    console.log(`disk full: slowest of 5 lines ${worst.toFixed(0)} ms`);
    expect(worst, `a line while the disk is full vs ${REQUESTS_PER_LINE} x hook timeout`).toBeLessThan(REQUESTS_PER_LINE * hookTimeoutMs + MARGIN_MS);
    const spooled = spoolLeft(d.paths.spoolDir)
      .map((f) => readFileSync(join(d.paths.spoolDir, f), 'utf8'))
      .join('');
    // Each line the store refused (a full disk still takes a row now and then, when SQLite reuses
    // a page) waits in the spool too, the hook's copy of what the daemon holds in memory.
    const notStored = markers.slice(1).filter((m) => d.rows('SELECT 1 FROM events WHERE command = ?', `echo ${m}`).length === 0);
    expect(
      notStored.filter((m) => !spooled.includes(`echo ${m}"`)),
      'refused lines are spooled',
    ).toEqual([]);
    expect(notStored.length === 0 || (await heldNow()) > 0, 'held in memory, counted in health').toBe(true);

    rmSync(filler);
    const audit = await waitAllRecorded(d, markers, 30_000);
    expect(audit.duplicated).toEqual([]);
    expect(verifyChain(d.paths.dbFile).ok).toBe(true);
  });

  it('disk full under the whole home (database and spool): a line that cannot be recorded anywhere is said on the terminal', async () => {
    const fs = tmpfs(2048);
    const home = join(fs, 'home');
    mkdirSync(home, { mode: 0o700 });
    const d = await started({ home });
    const sh = await shell(home);
    await echoLine(sh, 'whole-0');
    // Its result is sent at the prompt and committed a moment later: let it land before the disk fills.
    await waitAllRecorded(d, ['whole-0'], 30_000);
    const filler = fill(fs);
    // Write until the store refuses, so the next line cannot be stored by the daemon.
    for (let i = 1; i <= 2000; i++) {
      await d.request(check('s-whole', i, `echo probe-${i}`, { ts: Date.now() }));
      if (((await d.request({ op: 'health' })).writer as { held: number }).held > 0) break;
    }
    const since = sh.mark();
    await echoLine(sh, 'whole-1');
    // The check was answered (its record held in the daemon's memory only), its result refused:
    // the terminal says so rather than lose it silently.
    expect(sh.text().slice(since), 'the loss is visible, not silent').toMatch(/prodguard: this line's record is held only in the daemon's memory/);
    expect(sh.alive).toBe(true);
    rmSync(filler);
    await echoLine(sh, 'whole-2');
    await waitAllRecorded(d, ['whole-0', 'whole-2'], 30_000);
  });

  it('read-only database filesystem at start: the daemon refuses to start with one clear line (exit 8)', async () => {
    const fs = tmpfs(4096);
    const home = tempHome();
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    symlinkSync(join(fs, 'audit.db'), join(home, 'audit.db'));
    const d = await startDaemon({ home });
    await d.request(check('s-ro', 1, 'echo before-ro'));
    await d.stop();
    const r0 = spawnSync('mount', ['-o', 'remount,ro', fs], { encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);

    const r = cli(home, ['daemon', 'start']);
    expect(r.status, r.stderr).toBe(8);
    expect(r.stderr.trim().split('\n'), 'one line').toHaveLength(1);
    expect(r.stderr).toContain(join(home, 'audit.db'));
    // Reading it needs SQLite's -shm beside a WAL database, which a read-only filesystem cannot
    // hold: `prodguard log` says so in one line too (a known limit, docs/faults.md).
    const log = cli(home, ['log', '--json']);
    expect(log.status, log.stderr).toBe(8);
    expect(log.stderr.trim().split('\n'), 'one line').toHaveLength(1);
    expect(log.stderr).toContain(join(home, 'audit.db'));
  });

  it('locked by another process: writes wait for the lock (busy timeout); past it they fail clearly; nothing is lost', async () => {
    const d = await started();
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const hold = async (ms: number, during: () => Promise<void>): Promise<void> => {
      const db = new Database(d.paths.dbFile);
      try {
        db.exec('BEGIN EXCLUSIVE');
        const released = new Promise<void>((r) =>
          setTimeout(() => {
            db.exec('COMMIT');
            r();
          }, ms),
        );
        await during();
        await released;
      } finally {
        db.close();
      }
    };

    // 1. A lock shorter than the store's busy timeout (5 s): the check waits, then commits.
    let short: Record<string, unknown> = {};
    await hold(1_500, async () => {
      short = await d.request(check('s-lock', 1, 'echo under-short-lock', { ts: Date.now() }), { timeoutMs: 20_000 });
    });
    expect(short).toMatchObject({ ok: true, verdict: 'allow' });
    expect(d.rows("SELECT cmd FROM events WHERE session = 's-lock'")).toEqual([{ cmd: 1 }]);

    // 2. A lock longer than the busy timeout, under a real bash typing lines: each hook request
    // is bounded by the hook timeout, refused records go to the spool, all land once the lock goes.
    const sh = await shell(d.home);
    const hookTimeoutMs = loadConfig(d.paths).daemon.hookTimeoutMs;
    await echoLine(sh, 'lock-0');
    // Its result is committed just after the prompt: let it land first, or the daemon would spend
    // the lock's first 5 s waiting on that commit, and the request below would come in late enough
    // to outlast the lock (seen: ok instead of "database is locked").
    await waitAllRecorded(d, ['lock-0'], 30_000);
    let locked: Record<string, unknown> = {};
    const latencies: number[] = [];
    await hold(8_000, async () => {
      // First a request that waits the whole busy timeout and fails (in order: the daemon waits
      // synchronously, one write at a time), then the shell's lines while the lock still holds.
      locked = await d.request(check('s-lock', 2, 'echo under-long-lock', { ts: Date.now() }), { timeoutMs: 30_000 });
      for (const m of ['lock-1', 'lock-2']) latencies.push(await echoLine(sh, m));
    });
    console.log(`db locked 8 s: lines took ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
    // The verdict still goes out (evaluation never degrades); the reply says the record was not
    // stored (the daemon retries it from memory, the hook spools it).
    expect(locked, 'past the busy timeout the verdict holds, marked unrecorded').toMatchObject({ ok: true, verdict: 'allow', unrecorded: true });
    expect(Math.max(...latencies), `a line under the lock vs ${REQUESTS_PER_LINE} x hook timeout`).toBeLessThan(
      REQUESTS_PER_LINE * hookTimeoutMs + MARGIN_MS,
    );
    await waitAllRecorded(d, ['lock-0', 'lock-1', 'lock-2'], 30_000);
    expect(d.logs()).toContain('database is locked');
    expect(verifyChain(d.paths.dbFile).ok).toBe(true);
  });

  it('corrupt database file: the daemon refuses to start (exit 8, one line naming the file and what to do); moved aside, it starts and the spool arrives', async () => {
    const home = tempHome();
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const paths = resolvePaths({ PRODGUARD_HOME: home });
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(8192, 0x5a)]);
    writeFileSync(paths.dbFile, garbage, { mode: 0o600 });
    // A shell's records from while the daemon could not start.
    mkdirSync(paths.spoolDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(paths.spoolDir, 's-corrupt.ndjson'),
      [session('s-corrupt', 'start'), decision('s-corrupt', 1, 'echo while-corrupt', 'allowed'), finish('s-corrupt', 1)]
        .map((r) => `${JSON.stringify({ ...r, via: 'spool' })}\n`)
        .join(''),
      { mode: 0o600 },
    );

    for (const args of [['daemon', 'start'], ['verify'], ['log']]) {
      const r = cli(home, args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(8);
      expect(r.stderr.trim().split('\n'), `${args.join(' ')}: one line`).toHaveLength(1);
      expect(r.stderr).toContain(paths.dbFile);
      expect(r.stderr).toMatch(/corrupt|not a (prodguard audit )?database/);
    }
    const fg = spawnSync(process.execPath, [cliMain, 'daemon', 'run'], { env: homeEnv(home), encoding: 'utf8', timeout: 30_000 });
    expect(fg.status).toBe(8);
    expect(fg.stderr).toContain('move it aside and restart the daemon');
    expect(readFileSync(paths.dbFile).equals(garbage), 'the corrupt file is left as it was (evidence)').toBe(true);
    expect(existsSync(join(paths.spoolDir, 's-corrupt.ndjson')), 'the spool is kept').toBe(true);

    renameSync(paths.dbFile, `${paths.dbFile}.corrupt`);
    const d = await started({ home });
    await waitFor(() => d.rows("SELECT 1 FROM events WHERE session = 's-corrupt'").length === 3, 'the spool to be ingested');
    expect(verifyChain(d.paths.dbFile).ok).toBe(true);
  });
});
