import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliMain, homeEnv, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { BLOCK_ALL, check, DESTRUCTIVE, session } from '../daemon/requests.js';

/** The row's user: the daemon's account, with the $USER the test shell claims (alice) beside it. */
const WHO = `${userInfo().username} ($USER=alice)`;

// The whole path with real processes: a real daemon (dist/) configured with a real rsyslogd
// (unix socket + TCP) and the fake Slack; a production shell's requests go in, and what the
// receivers parsed comes out. Then the CLI: `prodguard doctor` and `prodguard alert test`.

const SD = 'prodguard@32473';

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliMain, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON a command printed; on failure the error carries its exit code and stderr. */
function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${r.code}); stderr: ${r.stderr}`);
  }
}

describe('daemon -> rsyslog and Slack, doctor and alert test', () => {
  let rs: Rsyslog;
  let slack: FakeSlack;
  let d: TestDaemon;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    rs = await startRsyslog();
    slack = await startFakeSlack();
    d = await startDaemon({
      config: {
        ...BLOCK_ALL,
        syslog: {
          targets: [
            { type: 'unix', path: rs.socket, appName: 'pg-e2e-unix', format: 'rfc5424' },
            { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, appName: 'pg-e2e-tcp' },
          ],
        },
        alerts: { targets: [{ name: 'ops', type: 'slack', url: slack.url, events: ['blocked', 'session-start'], minSeverity: 'high' }] },
      },
    });
    env = { ...process.env, ...homeEnv(d.home), PRODGUARD_HOOK: 'zsh' };
  });
  afterAll(async () => {
    await d?.dispose();
    await slack?.close();
    await rs?.stop();
  });

  test('a blocked production line reaches rsyslog (both inputs) and Slack with its fields', async () => {
    expect((await d.request(session('e2e-1', 'start'))).ok).toBe(true);
    const reply = await d.request(check('e2e-1', 1, `PGPASSWORD=hunter2 ${DESTRUCTIVE}`));
    expect(reply.verdict).toBe('block');

    const got = await rs.waitFor((m) => m.filter((x) => x.msgid === 'command').length >= 2);
    for (const app of ['pg-e2e-unix', 'pg-e2e-tcp']) {
      const mine = got.filter((m) => m.appname === app);
      expect(mine.map((m) => m.msgid)).toEqual(expect.arrayContaining(['daemon-start', 'session-start', 'command']));
      const cmd = mine.find((m) => m.msgid === 'command')!;
      expect(cmd).toMatchObject({ facility: 10, severity: 4, msg: `PGPASSWORD=*** ${DESTRUCTIVE}` });
      expect(cmd.params[SD]).toMatchObject({ user: WHO, host: 'db1', session: 'e2e-1', decision: 'blocked', severity: 'high', cmd: '1' });
      // our custom rule, and whatever catalog rule also knows `wipe`
      expect(cmd.params[SD]!.rule!.split(',')).toContain('test.wipe');
      expect(Number(cmd.params[SD]!.seq)).toBeGreaterThan(0);
    }

    await slack.waitFor((r) => r.length >= 2);
    const texts = slack.requests.map((r) => (r.json as { text: string }).text);
    expect(texts[0]).toBe(`prodguard: Production shell opened: ${WHO}@db1`);
    expect(texts[1]).toMatch(new RegExp(`^prodguard: Destructive command blocked: ${WHO.replace(/[()$]/g, '\\$&')}@db1 \``));
    expect(texts[1]).toMatch(/`PGPASSWORD=\*\*\* wipe \/srv\/data` rule .*test\.wipe/);
    expect(texts).toHaveLength(2);
    expect(JSON.stringify(rs.messages()) + JSON.stringify(slack.requests.map((r) => r.body))).not.toContain('hunter2');
  });

  test('doctor: all green with the hook, daemon, database and targets up; names the failing target after', async () => {
    const ok = await cli(['doctor', '--json'], env);
    const report = json<{ ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string; advice?: string }> }>(ok);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(ok.code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual([
      'shell hook',
      'config',
      'directories',
      'daemon',
      'database',
      `syslog unix:${rs.socket} (rfc5424)`,
      `syslog tcp://127.0.0.1:${rs.tcpPort} (rfc5424)`,
      `alert ops (slack, ${new URL(slack.url).origin})`,
    ]);

    // Without the hook and with a syslog target that is down: exit 10, what and what to do.
    const env2 = { ...env, PRODGUARD_HOOK: '' };
    await d.writeConfig({ ...BLOCK_ALL, syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port: 1 }] } });
    const bad = await cli(['doctor'], env2);
    expect(bad.code).toBe(10);
    expect(bad.stdout).toMatch(/^FAIL {2}shell hook +not active in this shell/m);
    expect(bad.stdout).toMatch(/-> add {2}eval "\$\(prodguard init (bash|zsh)\)"/);
    expect(bad.stdout).toMatch(
      /^FAIL {2}syslog tcp:\/\/127\.0\.0\.1:1 \(rfc5424\) +does not answer: cannot connect to tcp:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/m,
    );
    expect(bad.stdout).toMatch(/-> start the receiver at tcp:\/\/127\.0\.0\.1:1/);
    expect(bad.stdout).toMatch(/^ok {4}daemon/m);
    expect(bad.stdout).toContain('2 problem(s) found');
  });

  test('alert test: reports the HTTP outcome; exit 9 when the receiver fails', async () => {
    d.writeConfig({
      alerts: {
        targets: [
          { name: 'ops', type: 'slack', url: slack.url },
          { name: 'hook', type: 'webhook', url: slack.url, secret: 'whsec_c2VjcmV0' },
        ],
      },
    });
    const before = slack.requests.length;
    const ok = await cli(['alert', 'test', 'ops'], env);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^ops \(slack, http:\/\/127\.0\.0\.1:\d+\): delivered, HTTP 200 in \d+ ms\n$/);
    expect(ok.stdout).not.toContain('XXXXSECRET');
    expect((slack.requests[before]!.json as { text: string }).text).toMatch(/^prodguard: Test message from prodguard/);

    slack.script({ status: 500 });
    const failed = await cli(['alert', 'test', '--json'], env);
    expect({ code: failed.code, stderr: failed.stderr }).toEqual({ code: 9, stderr: '' });
    const results = json<Array<{ target: string; ok: boolean; status: number }>>(failed);
    expect(results.map((r) => [r.target, r.status]).sort()).toEqual(
      [
        ['hook', expect.any(Number)],
        ['ops', expect.any(Number)],
      ].sort(),
    );
    expect(results.filter((r) => !r.ok).map((r) => r.status)).toEqual([500]);

    const unknown = await cli(['alert', 'test', 'nope'], env);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({
      code: 2,
      stderr: 'prodguard: no alert target named "nope"; configured: ops, hook\n',
    });
  });
});
