import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, homeEnv, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { PROMPT, answer, expectQuestion, guardedShell, rowsOf, runLine, scratch, victim } from '../hooks/harness.js';
import { ATTACKER, asAttacker, attackScript, ensureAttacker, isRoot, scriptDir, spawnAsAttacker, stopAttacker } from './second-user.js';

// Issue 14, sections 1 and 2, attacked from a real second local user (pgatk_auth, run with
// runuser): an impostor on the daemon's TCP port after kill -9, a stolen old token, a run dir
// pre-created by that user in a world-writable PRODGUARD_HOME, and a symlink planted at the
// hook's line file. Root's real bash runs under node-pty with the real hook.

const PROD = { ENV: 'production' };

// Binds the port it is given and answers like a daemon that allows everything: every line a
// fake proof and a fake allow. Prints what it received, as JSON lines on stdout.
const IMPOSTOR = `
import net from 'node:net';
const port = Number(process.argv[2]);
const allow = '{"v":1,"ok":true,"verdict":"allow","phrase":"","dryRun":false,"message":""}';
const srv = net.createServer((s) => {
  s.write('{"v":1,"hello":"' + '0'.repeat(64) + '"}\\n' + allow + '\\n');
  s.on('data', (d) => { process.stdout.write(JSON.stringify({ got: d.toString('utf8') }) + '\\n'); s.write(allow + '\\n'); });
  s.on('error', () => {});
});
srv.listen({ host: '127.0.0.1', port }, () => process.stdout.write(JSON.stringify({ listening: port }) + '\\n'));
`;

// Connects to a daemon port and sends the given lines; prints what came back (or that it was closed).
const FORGER = `
import net from 'node:net';
const [port, ...lines] = process.argv.slice(2);
const s = net.connect({ host: '127.0.0.1', port: Number(port) }, () => s.write(lines.join('\\n') + '\\n'));
let got = '';
s.on('data', (d) => (got += d));
s.on('close', () => process.stdout.write(JSON.stringify({ got }) + '\\n'));
s.on('error', () => {});
setTimeout(() => s.destroy(), 3000);
`;

function collect(p: ChildProcess): { text: () => string } {
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { text: () => out };
}

describe.runIf(isRoot)("a second local user against root's hook and daemon", () => {
  const victims = scratch();
  const scripts = scriptDir();
  const shells: ShellSession[] = [];
  const daemons: TestDaemon[] = [];
  const procs: ChildProcess[] = [];

  beforeAll(() => {
    ensureAttacker();
  });
  afterAll(async () => {
    for (const p of procs) stopAttacker(p);
    await Promise.all(shells.map((s) => s.close()));
    await Promise.all(daemons.map((d) => d.dispose()));
    victims.dispose();
    rmSync(scripts, { recursive: true, force: true });
  });

  it('an impostor on the port after kill -9 gets no token and no command text; the line is asked locally', async () => {
    const d = await startDaemon();
    daemons.push(d);
    const sh = await guardedShell('bash', { home: d.home, env: PROD });
    shells.push(sh);
    await runLine(sh, 'echo warm');
    const port = Number(readFileSync(d.paths.portFile, 'utf8'));
    const token = readFileSync(d.paths.tokenFile, 'utf8').trim();
    await d.kill('SIGKILL');

    const impostor = spawnAsAttacker(attackScript(scripts, 'impostor.mjs', IMPOSTOR), [String(port)]);
    procs.push(impostor);
    const seen = collect(impostor);
    await waitFor(() => seen.text().includes('"listening"'), 'the impostor to bind the old port');

    const dir = victim(victims.dir, 'impostor-target');
    writeFileSync(join(dir, 'data'), 'keep');
    const phrase = await expectQuestion(sh, `rm -rf ${dir}\r`);
    expect(sh.text()).toMatch(/could not prove it is the prodguard daemon/);
    const out = await answer(sh, 'no');
    expect(out).toMatch(/cancelled; the line did not run/);
    expect(phrase.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'data'))).toBe(true);

    // A second destructive line: still asked, and the outage is said once, not per line.
    await expectQuestion(sh, `find ${dir} -delete\r`);
    await answer(sh, 'no');
    expect(sh.text().match(/could not prove it is the prodguard daemon/g)?.length).toBe(1);
    expect(existsSync(join(dir, 'data'))).toBe(true);

    // The impostor saw connections (the stale knock at most), never the token or a command.
    const got = seen.text();
    expect(got).toContain('"got"');
    expect(got).not.toContain(token);
    expect(got).not.toContain(dir);
    expect(got).not.toContain('rm -rf');
    expect(got).not.toContain('"op"');

    // The real daemon back (a new port, token, knock and proof): the spooled records arrive,
    // the cancelled line among them.
    const again = await startDaemon({ home: d.home });
    daemons.push(again);
    expect(readFileSync(again.paths.tokenFile, 'utf8').trim()).not.toBe(token);
    await waitFor(
      () => rowsOf((sql, ...p) => again.rows(sql, ...p), sh.pid).some((r) => r.command === `rm -rf ${dir}` && r.decision === 'cancelled'),
      'the spooled cancelled line',
      15_000,
    );

    // The attacker with the stolen old token (and the old knock) against the real daemon: closed
    // without a reply, nothing recorded. It cannot read the new secrets either.
    const oldKnock = `{"v":1,"knock":"${'f'.repeat(64)}"}`;
    const forged = (session: string): string =>
      JSON.stringify({
        v: 1,
        op: 'check',
        token,
        origin: { session, shell: 'bash', pid: 1, user: 'billing' },
        cmd: 1,
        line: 'DROP DATABASE billing',
        cwd: '/',
        env: {},
        ts: Date.now(),
      });
    const forger = attackScript(scripts, 'forger.mjs', FORGER);
    const newPort = readFileSync(again.paths.portFile, 'utf8').trim();
    for (const lines of [[forged('forged-1')], [oldKnock, forged('forged-2')]]) {
      const r = asAttacker(process.execPath, [forger, newPort, ...lines]);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ got: '' });
    }
    expect(asAttacker('cat', [again.paths.tokenFile]).status).not.toBe(0);
    expect(asAttacker('cat', [again.paths.knockFile]).status).not.toBe(0);
    expect(again.rows("SELECT count(*) AS n FROM events WHERE session LIKE 'forged-%' OR command LIKE '%billing%'")).toEqual([{ n: 0 }]);
    const verify = spawnSync(process.execPath, [cliMain, 'verify'], { env: homeEnv(d.home), encoding: 'utf8' });
    expect(verify.status).toBe(0);
  });

  it('refuses a world-writable PRODGUARD_HOME whose run/ another user pre-created: hook and daemon', async () => {
    const home = tempHome('pg-ww-');
    chmodSync(home, 0o777);
    // The attacker's run/ with a fake daemon's files (it cannot know any real secret).
    expect(asAttacker('mkdir', ['-m', '777', join(home, 'run')]).status).toBe(0);
    expect(asAttacker('sh', ['-c', `echo 1 > ${join(home, 'run', 'tcp.port')}`]).status).toBe(0);

    const daemon = spawnSync(process.execPath, [cliMain, 'daemon', 'run'], { env: homeEnv(home), encoding: 'utf8', timeout: 20_000 });
    expect(daemon.status).not.toBe(0);
    expect(daemon.stderr).toMatch(new RegExp(`prodguard: .*${home} is writable by group or others .*: chmod 700 ${home}`));
    expect(daemon.stderr).not.toMatch(/\n\s+at /); // one line, no stack

    const sh = await guardedShell('bash', { home, env: PROD });
    shells.push(sh);
    expect(sh.text()).toMatch(new RegExp(`prodguard: refusing to use ${home} is writable by group or others: chmod 700 ${home}`));
    const dir = victim(victims.dir, 'ww-target');
    writeFileSync(join(dir, 'data'), 'keep');
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(join(dir, 'data'))).toBe(true);
    // Nothing of root's was written into the attacker's directories.
    expect(existsSync(join(home, 'spool'))).toBe(false);

    // Fixed as told: chmod 700 on the home; the attacker's run/ is then refused as not root's.
    chmodSync(home, 0o700);
    const again = spawnSync(process.execPath, [cliMain, 'daemon', 'run'], { env: homeEnv(home), encoding: 'utf8', timeout: 20_000 });
    expect(again.stderr).toMatch(new RegExp(`${home}/run belongs to uid \\d+, not to you`));
  });

  it('zsh: refuses a home another user can write to, and a socket in a run dir that is not its own', async () => {
    const home = tempHome('pg-wwz-');
    chmodSync(home, 0o777);
    const sh = await guardedShell('zsh', { home, env: PROD });
    shells.push(sh);
    expect(sh.text()).toMatch(new RegExp(`prodguard: refusing to use ${home} is writable by group or others: chmod 700 ${home}`));
    const dir = victim(victims.dir, 'wwz-target');
    writeFileSync(join(dir, 'data'), 'keep');
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(join(dir, 'data'))).toBe(true);
    expect(existsSync(join(home, 'spool'))).toBe(false);

    // A private home whose run/ the attacker made (before the home was locked down), with a
    // socket of its own: the zsh hook never connects to it.
    const home2 = tempHome('pg-runz-');
    chmodSync(home2, 0o777);
    expect(asAttacker('mkdir', ['-m', '700', join(home2, 'run')]).status).toBe(0);
    const sock = join(home2, 'run', 'daemon.sock');
    const listener = spawnAsAttacker(
      attackScript(
        scripts,
        'unix-impostor.mjs',
        `
import net from 'node:net';
net.createServer((s) => { s.on('data', (d) => process.stdout.write(JSON.stringify({ got: d.toString() }) + '\\n')); s.on('error', () => {}); })
  .listen(process.argv[2], () => process.stdout.write('{"listening":1}\\n'));
`,
      ),
      [sock],
    );
    procs.push(listener);
    const seen = collect(listener);
    await waitFor(() => seen.text().includes('listening'), 'the attacker socket');
    chmodSync(home2, 0o700);
    const sh2 = await guardedShell('zsh', { home: home2, env: PROD });
    shells.push(sh2);
    expect(sh2.text()).toMatch(/refusing to use .*\/run is not owned by you/);
    await expectQuestion(sh2, `rm -rf ${dir}\r`);
    await answer(sh2, 'no');
    expect(existsSync(join(dir, 'data'))).toBe(true);
    expect(seen.text()).not.toContain('"got"');
  });

  it('never writes through a symlink at the line file, nor into a spool another user owns', async () => {
    // A spool pre-made by the attacker, holding a symlink at every .line.<pid> it can guess.
    const home = tempHome('pg-spool-');
    const target = join(victims.dir, 'root-owned-file');
    writeFileSync(target, 'original\n');
    chmodSync(home, 0o777); // the attacker needs write access to make spool/; then it is restored
    expect(asAttacker('mkdir', ['-m', '777', join(home, 'spool')]).status).toBe(0);
    chmodSync(home, 0o700);
    const sh = await guardedShell('bash', { home, env: PROD });
    shells.push(sh);
    expect(sh.text()).toMatch(/refusing to use .*spool is not owned by you/);
    await runLine(sh, 'echo hello-there');
    expect(readFileSync(target, 'utf8')).toBe('original\n');

    // Our own spool, and a symlink planted at this shell's line file (only root itself could
    // here: the hook refuses it all the same, and never follows it).
    const home2 = tempHome('pg-line-');
    const d = await startDaemon({ home: home2 });
    daemons.push(d);
    const sh2 = await guardedShell('bash', { home: home2, env: PROD });
    shells.push(sh2);
    await runLine(sh2, 'echo first');
    const line = join(d.paths.spoolDir, `.line.${sh2.pid}`);
    rmSync(line, { force: true });
    symlinkSync(target, line);
    await runLine(sh2, 'echo secret-text-here');
    await runLine(sh2, 'echo more');
    expect(readFileSync(target, 'utf8')).toBe('original\n');
    expect(sh2.text()).toMatch(/refusing to use .*\.line\.\d+ is a symlink/);
    // Lines are still guarded.
    const dir = victim(victims.dir, 'line-target');
    await expectQuestion(sh2, `rm -rf ${dir}\r`);
    await answer(sh2, 'no');
    expect(existsSync(dir)).toBe(true);
    await sh2.waitFor(PROMPT);
  });
});

// Not root: the attacks above cannot create their second user; said as a skipped test (CI runs as root).
if (!isRoot) {
  describe('second-user attacks', () => {
    it.skip(`need root to create ${ATTACKER} (useradd) and run as it: run under .ci/run`, () => undefined);
  });
}
