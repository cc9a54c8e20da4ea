import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeEnv, startDaemon, tempHome, type TestDaemon } from '../helpers/daemon.js';
import { ShellSession } from '../helpers/pty.js';
import { decisionOf, launcher, preInput, runHook, type AgentName, type Entry } from './harness.js';

// The allow-once flow end to end: an agent is denied with a code; a human runs `prodguard allow
// CODE` in a real terminal (node-pty), sees the command and types its phrase; the same command
// then passes once for that agent session, and is denied again after that.

const PROD = { ENV: 'production' };
let n = 0;
const session = (): string => `allow-${process.pid}-${++n}`;

/** `prodguard allow CODE` in a pseudo-terminal, typing `typed` at the phrase prompt. */
async function allowInTerminal(home: string, code: string, typed: string): Promise<{ exit: number; text: string }> {
  const { spawn } = await import('node-pty');
  const pty = spawn(process.execPath, [launcher, 'allow', code], {
    name: 'xterm-256color',
    cols: 200,
    rows: 50,
    cwd: home,
    env: { ...homeEnv(home), TERM: 'xterm-256color' },
  });
  const term = new ShellSession(pty, mkdtempSync(join(tmpdir(), 'pg-allow-')));
  try {
    await term.waitFor(/Type "[^"]+" to allow it once/);
    term.line(typed);
    const { exitCode } = await term.exited;
    return { exit: exitCode, text: term.text() };
  } finally {
    await term.close();
  }
}

const codeOf = (reason: string): string => /prodguard allow (\d{6})/.exec(reason)?.[1] ?? '';

async function denied(entry: Entry, agent: AgentName, home: string, s: string, line: string): Promise<string> {
  const r = await runHook(entry, agent, preInput(agent, line, { session: s, cwd: '/srv' }), { home, env: PROD });
  const { decision, reason } = decisionOf(agent, r);
  expect(decision, r.stdout).toBe('deny');
  const code = codeOf(reason);
  expect(code).toMatch(/^\d{6}$/);
  return code;
}

describe('allow once, with the daemon up', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(() => d.dispose());

  it.each([
    ['codex', 'script'],
    ['gemini', 'node'],
  ] as const)(
    '%s (%s entry): denied with a code; the right phrase lets exactly that command pass once; the next try is denied again',
    async (agent, entry) => {
      const s = session();
      const line = 'rm -rf /srv/data';
      const code = await denied(entry, agent, d.home, s, line);

      const allowed = await allowInTerminal(d.home, code, 'data');
      expect(allowed.text).toContain(line);
      expect(allowed.text).toContain(`${agent} (session ${s})`);
      expect(allowed.text).toMatch(/allowed once/);
      expect(allowed.exit).toBe(0);

      // Another command, or the same one in another session, gets nothing from it.
      await denied(entry, agent, d.home, s, 'rm -rf /srv/other');
      await denied(entry, agent, d.home, `${s}-other`, line);

      const once = await runHook(entry, agent, preInput(agent, line, { session: s, cwd: '/srv' }), { home: d.home, env: PROD });
      expect(once).toMatchObject({ code: 0, stdout: '' });
      const again = await denied(entry, agent, d.home, s, line);
      expect(again).not.toBe(code);

      const rows = d.rows<{ decision: string; approver: string | null; command: string }>(
        "SELECT decision, approver, command FROM events WHERE session = ? AND kind = 'command' AND command = ? ORDER BY seq",
        s,
        line,
      );
      expect(rows.map((r) => r.decision)).toEqual(['denied', 'confirmed', 'denied']);
      expect(rows[1]!.approver).toBe(spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim());
    },
  );

  it('a wrong phrase leaves it denied (and the code pending)', async () => {
    const s = session();
    const code = await denied('script', 'codex', d.home, s, 'rm -rf /srv/data');
    const wrong = await allowInTerminal(d.home, code, 'yes');
    expect(wrong.exit).toBe(3);
    expect(wrong.text).toMatch(/not confirmed: the command stays denied/);
    expect(await denied('script', 'codex', d.home, s, 'rm -rf /srv/data')).toBe(code);
  });

  it('refuses without a terminal, and for a code that does not exist', async () => {
    const s = session();
    const code = await denied('script', 'codex', d.home, s, 'rm -rf /srv/data');
    const piped = spawnSync(process.execPath, [launcher, 'allow', code], { env: homeEnv(d.home), input: 'data\n', encoding: 'utf8' });
    expect(piped.status).toBe(2);
    expect(piped.stderr).toMatch(/^prodguard: allow needs a terminal/);
    expect(piped.stderr.trim().split('\n')).toHaveLength(1);
    expect(await denied('script', 'codex', d.home, s, 'rm -rf /srv/data')).toBe(code);
    const bad = spawnSync(process.execPath, [launcher, 'allow', '12ab'], { env: homeEnv(d.home), encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });

  it.each(['claude-code', 'codex', 'gemini'] as const)(
    '%s cannot redeem a code itself: its `prodguard allow` is blocked, even outside production',
    async (agent) => {
      for (const env of [PROD, {}]) {
        const r = await runHook('script', agent, preInput(agent, 'prodguard allow 123456 </dev/null', { session: session(), cwd: '/srv' }), {
          home: d.home,
          env,
        });
        const { decision, reason } = decisionOf(agent, r);
        expect(decision).toBe('deny');
        expect(reason).toContain('agent.self-allow');
      }
    },
  );
});

describe('allow once, with the daemon down', () => {
  it('the code lives in the run dir file; the flow is the same', async () => {
    const home = tempHome();
    const s = session();
    const code = await denied('node', 'codex', home, s, 'rm -rf /srv/data');
    const allowed = await allowInTerminal(home, code, 'data');
    expect(allowed.exit, allowed.text).toBe(0);
    const once = await runHook('node', 'codex', preInput('codex', 'rm -rf /srv/data', { session: s, cwd: '/srv' }), { home, env: PROD });
    expect(once).toMatchObject({ code: 0, stdout: '' });
    await denied('node', 'codex', home, s, 'rm -rf /srv/data');
  });
});
