import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { decisionOf, preInput, runHook } from './harness.js';

// An agent's lines take the shell lines' path to the sinks: real rsyslogd, a real HTTP server as
// Slack. A blocked agent line alerts; every recorded one is a syslog message naming the agent.

describe('agent lines in syslog and alerts', () => {
  let rs: Rsyslog;
  let slack: FakeSlack;
  let d: TestDaemon;
  beforeAll(async () => {
    rs = await startRsyslog();
    slack = await startFakeSlack();
    d = await startDaemon({
      config: {
        // rfc5424: structured data the test reads (main made `local` the unix default).
        syslog: { targets: [{ type: 'unix', path: rs.socket, appName: 'pg-agents', format: 'rfc5424' }] },
        alerts: { targets: [{ name: 'ops', type: 'slack', url: slack.url, events: ['blocked', 'cancelled'], minSeverity: 'high' }] },
      },
    });
  });
  afterAll(async () => {
    await d?.dispose();
    await slack?.close();
    await rs?.stop();
  });

  it('a blocked and a denied line alert in Slack; the agent and its session reach rsyslog', async () => {
    const s = `sink-${process.pid}`;
    const blocked = await runHook('script', 'codex', preInput('codex', 'rm -rf /', { session: s, cwd: '/' }), {
      home: d.home,
      env: { ENV: 'production' },
    });
    expect(decisionOf('codex', blocked).decision).toBe('deny');
    const denied = await runHook('script', 'gemini', preInput('gemini', 'rm -rf /srv/data', { session: s, cwd: '/srv' }), {
      home: d.home,
      env: { ENV: 'production' },
    });
    expect(decisionOf('gemini', denied).decision).toBe('deny');

    const got = await rs.waitFor((m) => m.filter((x) => x.msgid === 'command' && JSON.stringify(x.params).includes(s)).length >= 2);
    const mine = got.filter((x) => x.msgid === 'command' && JSON.stringify(x.params).includes(s));
    const params = mine.map((x) => Object.values(x.params)[0]!);
    expect(params.map((p) => [p.agent, p.session, p.decision])).toEqual([
      ['codex', s, 'blocked'],
      ['gemini', s, 'denied'],
    ]);
    expect(mine.map((x) => x.msg.trim())).toEqual(['rm -rf /', 'rm -rf /srv/data']);

    const reqs = await slack.waitFor(
      (r) =>
        r.some((x) => x.body.includes('command blocked') && x.body.includes('`rm -rf /`')) &&
        r.some((x) => x.body.includes('command cancelled') && x.body.includes('rm -rf /srv/data')),
    );
    // Who ran it: the hook's user, filled in from the uid when the agent's environment has no USER.
    expect(reqs.every((x) => !x.body.includes('*Who*\\n-'))).toBe(true);
  });
});
