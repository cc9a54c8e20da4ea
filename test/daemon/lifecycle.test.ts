import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../daemon/paths.js';
import { requestDaemon } from '../../cli/daemon-client.js';
import { cliMain, homeEnv, spawnDaemon, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { BLOCK_ALL, CONFIRM_ALL, DESTRUCTIVE, check } from './requests.js';

// Lifecycle of the real daemon process: single instance, reload, socket recreation, crash safety
// and the `prodguard daemon` commands.

const run = promisify(execFile);
const cli = (home: string, ...args: string[]) =>
  run(process.execPath, [cliMain, 'daemon', ...args], { env: homeEnv(home), timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const live: TestDaemon[] = [];
const homes: string[] = [];
afterEach(async () => {
  for (const d of live.splice(0)) await d.kill('SIGKILL');
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});
const started = async (...args: Parameters<typeof startDaemon>): Promise<TestDaemon> => {
  const d = await startDaemon(...args);
  live.push(d);
  homes.push(d.home);
  return d;
};

describe('daemon lifecycle', () => {
  it('runs a single instance when two are started at once', async () => {
    const home = tempHome();
    homes.push(home);
    const procs = [spawnDaemon(home), spawnDaemon(home), spawnDaemon(home)];
    const stderr = procs.map(() => '');
    procs.forEach((p, i) => p.stderr!.on('data', (b: Buffer) => (stderr[i] += b.toString())));
    const exits = procs.map((p) => new Promise<number | null>((r) => p.once('exit', (c) => r(c))));
    const paths = resolvePaths({ PRODGUARD_HOME: home });
    const h = await waitFor(() => requestDaemon(paths, { op: 'health' }, { timeoutMs: 1_000 }).catch(() => null), 'a daemon to answer', 45_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; exits ${JSON.stringify(procs.map((p) => p.exitCode))}; stderr: ${stderr.join(' | ')}`);
      },
    );
    const winner = procs.find((p) => p.pid === h.pid)!;
    expect(winner).toBeDefined();
    // The others exit (code 0: "already running"); the winner keeps serving.
    const losers = procs.filter((p) => p !== winner);
    const loserExits = await Promise.all(losers.map(async (p) => ({ code: await exits[procs.indexOf(p)], stderr: stderr[procs.indexOf(p)] })));
    expect(loserExits).toEqual(losers.map(() => ({ code: 0, stderr: expect.stringContaining(`already running (pid ${winner.pid})`) })));
    expect(winner.exitCode).toBeNull();
    expect(await requestDaemon(paths, { op: 'health' })).toMatchObject({ pid: winner.pid });
    winner.kill('SIGTERM');
    await exits[procs.indexOf(winner)];
  });

  it('keeps the last good config when a reload fails, and applies a good one', async () => {
    const d = await started({ config: CONFIRM_ALL });
    const verdict = async (cmd: number) => (await d.request(check('s-reload', cmd, DESTRUCTIVE))).verdict;
    expect(await verdict(1)).toBe('confirm');

    d.writeConfig('{ "policy": { "high": "sometimes" } ');
    await d.kill('SIGHUP');
    const h = await waitFor(async () => {
      const r = await d.request({ op: 'health' });
      return (r.config as { lastError: string | null }).lastError ? r : null;
    }, 'the failed reload to be reported');
    expect((h.config as { lastError: string }).lastError).toContain('config.json');
    expect(await verdict(2)).toBe('confirm');
    expect(d.logs()).toContain('config reload failed; keeping the last good config');

    d.writeConfig(BLOCK_ALL);
    await d.kill('SIGHUP');
    await waitFor(async () => ((await d.request({ op: 'health' })).config as { reloads: number }).reloads === 1, 'the good reload');
    expect(await verdict(3)).toBe('block');
  });

  it('recreates its socket when the file is deleted', async () => {
    const d = await started();
    rmSync(d.paths.socket);
    await waitFor(() => existsSync(d.paths.socket), 'the socket to come back');
    expect(statSync(d.paths.socket).mode & 0o777).toBe(0o600);
    expect(d.logs()).toContain('socket file missing or replaced; recreating it');
    const h = await waitFor(() => d.request({ op: 'health' }).catch(() => null), 'the new socket to answer');
    expect(h).toMatchObject({ ok: true, pid: d.pid });
  });

  it('warms its request path at start without recording anything, and serves meanwhile', async () => {
    const d = await started({ config: { daemon: { warmupLines: 400 } } });
    const during = await d.request({ op: 'health' });
    expect(during.warmup).toBe('running');
    // A real request is answered and recorded while the warm-up runs.
    expect(await d.request(check('s-live', 1, 'echo live'))).toMatchObject({ ok: true, verdict: 'allow' });
    await waitFor(async () => (await d.request({ op: 'health' })).warmup === 'done', 'the warm-up to finish', 30_000);
    expect(d.logs()).toMatch(/"lines":400,.*request path warmed up/);
    // Nothing of it in the audit trail, no socket of it left behind.
    expect(d.rows('SELECT session, kind FROM events')).toEqual([{ session: 's-live', kind: 'command' }]);
    expect(existsSync(join(d.paths.runDir, 'warmup.sock'))).toBe(false);
    // Stopping during a warm-up is a clean stop.
    const e = await started({ config: { daemon: { warmupLines: 100_000 } } });
    expect((await e.request({ op: 'health' })).warmup).toBe('running');
    await e.stop();
    expect(await e.exited).toBe(0);
    expect(existsSync(join(e.paths.runDir, 'warmup.sock'))).toBe(false);
  });

  it('keeps every acknowledged record across kill -9 and restarts cleanly', async () => {
    const d = await started();
    const token = readFileSync(d.paths.tokenFile, 'utf8');
    // 16 clients stream checks; the daemon is killed -9 mid-stream after 200 acknowledgements.
    const acked: number[] = [];
    let next = 1;
    let killed: Promise<void> | null = null;
    const client = async (): Promise<void> => {
      while (!killed || acked.length < 200) {
        const cmd = next++;
        try {
          const r = await d.request(check('s-crash', cmd, `echo ${cmd}`), { timeoutMs: 30_000 });
          if (r.ok === true) acked.push(cmd);
        } catch {
          return; // the daemon is gone: this one was never acknowledged
        }
        if (acked.length >= 200) killed ??= d.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await killed;
    expect(acked.length).toBeGreaterThanOrEqual(200);

    const again = await startDaemon({ home: d.home });
    live.push(again);
    const cmds = again.rows<{ cmd: number }>("SELECT cmd FROM events WHERE session = 's-crash' AND kind = 'command'").map((r) => r.cmd);
    expect(new Set(cmds).size).toBe(cmds.length);
    const stored = new Set(cmds);
    expect(acked.filter((c) => !stored.has(c))).toEqual([]);
    // A new token after a restart (the old one, seen before the crash, is refused; the hooks
    // re-read the run directory); the stale pid file was taken over.
    expect(readFileSync(again.paths.tokenFile, 'utf8')).not.toBe(token);
    expect(await again.request({ op: 'health', token: token.trim() }, { transport: 'tcp' })).toMatchObject({ ok: false, error: 'bad token' });
    expect((await again.request({ op: 'health' })).pid).toBe(again.pid);
    expect(await again.request(check('s-crash', next + 1, 'echo after'))).toMatchObject({ ok: true });
  });

  it('prodguard daemon start|status|stop', async () => {
    const home = tempHome();
    homes.push(home);
    const down = await cli(home, 'status', '--json');
    expect(down).toMatchObject({ code: 6, stderr: '' });
    expect(JSON.parse(down.stdout)).toMatchObject({ running: false });

    const up = await cli(home, 'start');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/daemon started \(pid \d+, socket .*daemon\.sock, tcp 127\.0\.0\.1:\d+\)/);
    const again = await cli(home, 'start');
    expect(again.stdout).toContain('already running');

    const st = await cli(home, 'status', '--json');
    expect(st.code).toBe(0);
    const s = JSON.parse(st.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ running: true, socket: resolvePaths({ PRODGUARD_HOME: home }).socket });
    expect(s.tcpPort).toBeGreaterThan(0);
    expect(typeof s.version).toBe('string');
    const human = await cli(home, 'status');
    expect(human.stdout).toContain('running');

    const stop = await cli(home, 'stop');
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped (pid ${String(s.pid)})`);
    expect(existsSync(resolvePaths({ PRODGUARD_HOME: home }).pidFile)).toBe(false);
    expect(await cli(home, 'status')).toMatchObject({ code: 6, stderr: '' });
  });

  it('refuses a run directory that belongs to another uid', async () => {
    const home = tempHome();
    homes.push(home);
    const paths = resolvePaths({ PRODGUARD_HOME: home });
    mkdirSync(paths.runDir, { mode: 0o700 });
    chownSync(paths.runDir, 65534, 65534);
    const p = spawnDaemon(home);
    let stderr = '';
    p.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((r) => p.once('exit', r));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${paths.runDir} belongs to uid 65534`);
    expect(existsSync(paths.socket)).toBe(false);
  });

  it('keeps serving the unix socket while a local process floods TCP with idle connections', async () => {
    const d = await started();
    const { connect } = await import('node:net');
    const port = Number(readFileSync(d.paths.portFile, 'utf8'));
    const flood = await Promise.all(
      Array.from(
        { length: 1100 },
        () =>
          new Promise<import('node:net').Socket>((resolve) => {
            const s = connect({ host: '127.0.0.1', port });
            s.on('error', () => undefined);
            s.once('connect', () => resolve(s));
            s.once('close', () => resolve(s));
          }),
      ),
    );
    try {
      // The kernel's backlog holds part of the flood until the daemon accepts it; then it drops.
      await waitFor(() => d.logs().includes('too many connections'), 'the daemon to drop connections over the cap');
      expect(await d.request({ op: 'health' })).toMatchObject({ ok: true });
      expect(await d.request(check('s-flood', 1, 'ls'))).toMatchObject({ ok: true, verdict: 'allow' });
      const h = await d.request({ op: 'health' });
      expect(Number(h.connections)).toBeLessThanOrEqual(1024 + 2);
    } finally {
      for (const s of flood) s.destroy();
    }
    // Once the flood is gone, TCP serves again.
    expect(await waitFor(() => d.request(check('s-flood', 2, 'ls'), { transport: 'tcp' }).catch(() => null), 'TCP to serve again')).toMatchObject({
      ok: true,
    });
  });

  it('start reports a bad config in one line', async () => {
    const home = tempHome();
    homes.push(home);
    writeFileSync(`${home}/config.json`, '{"daemon":{"tcpPort":"x"}}');
    const r = await cli(home, 'start');
    expect(r).toMatchObject({ code: 7 });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('daemon.tcpPort');
  });
});
