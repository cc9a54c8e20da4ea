import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, homeEnv, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { decisionOf, postInput, preInput, runHook, type AgentName, type Entry } from './harness.js';

// The real hook command, as each agent runs it, with the JSON each agent sends, against a real
// daemon (and with it down, and hung): what the agent is told, and what the audit trail keeps.

const PROD = { ENV: 'production' };
const AGENTS: AgentName[] = ['claude-code', 'codex', 'gemini'];
const ENTRIES: Entry[] = ['script', 'node'];
let d: TestDaemon;
let n = 0;
const session = (tag: string): string => `s-${tag}-${process.pid}-${++n}`;

type Row = {
  kind: string;
  session: string;
  shell: string;
  agent: string | null;
  cwd: string;
  command: string | null;
  rules: string;
  decision: string | null;
  exit: number | null;
  note: string | null;
  approver: string | null;
  via: string;
};
const rowsOf = (s: string): Row[] => d.rows<Row>('SELECT * FROM events WHERE session = ? ORDER BY seq', s);

beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  await d.dispose();
});

describe.each(ENTRIES)('the %s entry', (entry) => {
  describe.each(AGENTS)('%s', (agent) => {
    it('a destructive line: Claude Code asks its human, with the rule and the phrase; Codex and Gemini deny with an allow-once code; recorded', async () => {
      const s = session('confirm');
      const r = await runHook(entry, agent, preInput(agent, 'rm -rf /srv/data', { session: s, cwd: '/srv' }), { home: d.home, env: PROD });
      const { decision, reason } = decisionOf(agent, r);
      expect(decision).toBe(agent === 'claude-code' ? 'ask' : 'deny');
      expect(reason).toContain('filesystem.rm-recursive');
      expect(reason).toContain('ENV=production');
      if (agent === 'claude-code') expect(reason).toContain('type "data"');
      else {
        expect(reason).toMatch(/prodguard allow \d{6}/);
        // The phrase stays out of what the model reads: the human sees it in `prodguard allow`.
        expect(reason).not.toContain('"data"');
      }
      const rows = rowsOf(s);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        kind: 'command',
        session: s,
        shell: 'agent',
        agent,
        cwd: '/srv',
        command: 'rm -rf /srv/data',
        decision: agent === 'claude-code' ? 'asked' : 'denied',
        via: 'live',
      });
      expect(JSON.parse(rows[0]!.rules)).toEqual(['filesystem.rm-recursive']);
    });

    if (agent === 'claude-code') {
      it('in bypassPermissions mode nobody would be asked: a destructive line is denied with an allow-once code instead', async () => {
        const s = session('bypass');
        const raw = JSON.parse(preInput(agent, 'rm -rf /srv/data', { session: s, cwd: '/srv' })) as Record<string, unknown>;
        raw.permission_mode = 'bypassPermissions';
        const r = await runHook(entry, agent, JSON.stringify(raw), { home: d.home, env: PROD });
        const { decision, reason } = decisionOf(agent, r);
        expect(decision).toBe('deny');
        expect(reason).toMatch(/prodguard allow \d{6}/);
        expect(rowsOf(s).map((x) => x.decision)).toEqual(['denied']);
      });
    }

    it('a blocked line: denied with the reason and the safe alternative', async () => {
      const s = session('block');
      const r = await runHook(entry, agent, preInput(agent, 'rm -rf /', { session: s, cwd: '/' }), { home: d.home, env: PROD });
      const { decision, reason } = decisionOf(agent, r);
      expect(decision).toBe('deny');
      expect(reason).toMatch(/BLOCKED in production/);
      expect(reason).toMatch(/Instead: /);
      expect(rowsOf(s).map((x) => x.decision)).toEqual(['blocked']);
    });

    it('a benign line: no output, exit 0, recorded as allowed', async () => {
      const s = session('benign');
      const r = await runHook(entry, agent, preInput(agent, 'ls -la /srv', { session: s, cwd: '/srv' }), { home: d.home, env: PROD });
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect(rowsOf(s).map((x) => [x.decision, x.command, x.agent])).toEqual([['allowed', 'ls -la /srv', agent]]);
    });

    it('outside production: no output, exit 0, nothing recorded, even for a destructive line', async () => {
      const s = session('dev');
      const r = await runHook(entry, agent, preInput(agent, 'rm -rf /srv/data', { session: s, cwd: '/srv' }), {
        home: d.home,
        env: { ENV: 'development' },
      });
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect(rowsOf(s)).toEqual([]);
    });

    it('truncated JSON: denied (fail closed) and the failure recorded', async () => {
      const failures = (): number =>
        d.rows<{ c: number }>("SELECT count(*) AS c FROM events WHERE note LIKE '%not valid JSON%' AND decision = 'blocked' AND agent = ?", agent)[0]!
          .c;
      const before = failures();
      const s = session('trunc');
      const full = preInput(agent, 'rm -rf /srv/data', { session: s, cwd: '/srv' });
      const r = await runHook(entry, agent, full.slice(0, full.length - 25), { home: d.home, env: PROD });
      const { decision, reason } = decisionOf(agent, r);
      expect(decision).toBe('deny');
      expect(reason).toMatch(/not checked .*not valid JSON/);
      expect(failures()).toBe(before + 1);
      // The session is named even though the input is cut short: the failure lands in its trail.
      expect(rowsOf(s).map((x) => [x.decision, x.agent, x.command])).toEqual([['blocked', agent, null]]);
    });

    it("input that looks whole but is not JSON, or repeats the request's own keys: denied", async () => {
      const tool = agent === 'gemini' ? 'run_shell_command' : 'Bash';
      // The bash entry sends a whole-looking input unparsed, first in its request: keys it repeats must not win.
      for (const input of [
        '{"session_id": "x", "tool_name": }',
        `{"tool_name":"${tool}"}, "op": "health", "x": {"a":1}`,
        `{"op":"health","tool_name":"${tool}"}`,
      ]) {
        const r = await runHook(entry, agent, input, { home: d.home, env: PROD });
        expect(decisionOf(agent, r).decision, input).toBe('deny');
      }
    });

    it('a shell tool call of an unknown shape (no command string): denied', async () => {
      const raw = JSON.parse(preInput(agent, 'x', { session: session('shape'), cwd: '/srv' })) as Record<string, unknown>;
      raw.tool_input = { script: 'rm -rf /srv/data' };
      const r = await runHook(entry, agent, JSON.stringify(raw), { home: d.home, env: PROD });
      expect(decisionOf(agent, r).decision).toBe('deny');
      expect(decisionOf(agent, r).reason).toContain('no command string');
    });

    it('a non-shell tool: no output', async () => {
      const raw = JSON.parse(preInput(agent, 'x', { session: session('read'), cwd: '/srv' })) as Record<string, unknown>;
      raw.tool_name = agent === 'gemini' ? 'read_file' : 'Read';
      raw.tool_input = { file_path: '/etc/passwd' };
      const r = await runHook(entry, agent, JSON.stringify(raw), { home: d.home, env: PROD });
      expect(r).toMatchObject({ code: 0, stdout: '' });
    });

    it('the post-tool event: its exit status joins the command row (prodguard log --agent)', async () => {
      const s = session('post');
      const id = `call-${s}`;
      const pre = await runHook(entry, agent, preInput(agent, 'ls /nonexistent', { session: s, cwd: '/srv', id }), { home: d.home, env: PROD });
      expect(pre.stdout).toBe('');
      const post = await runHook(entry, agent, postInput(agent, 'ls /nonexistent', 2, { session: s, cwd: '/srv', id }), {
        home: d.home,
        env: PROD,
        args: ['--post'],
      });
      expect(post).toMatchObject({ code: 0, stdout: '' });
      const log = spawnSync(process.execPath, [cliMain, 'log', '--agent', agent, '--session', s, '--json'], {
        env: homeEnv(d.home),
        encoding: 'utf8',
      });
      expect(log.status, log.stderr).toBe(0);
      const rows = JSON.parse(log.stdout) as Array<Record<string, unknown>>;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ agent, session: s, shell: 'agent', command: 'ls /nonexistent', decision: 'allowed', exit: 2 });
    });
  });
});

describe('prodguard log --kind and --agent', () => {
  it('tells agent rows from shell rows', async () => {
    const s = session('kind');
    await runHook('script', 'codex', preInput('codex', 'echo hi', { session: s, cwd: '/srv' }), { home: d.home, env: PROD });
    await d.request({ op: 'check', origin: { session: `${s}-sh`, shell: 'bash', pid: 1 }, cmd: 1, line: 'echo shell', env: PROD, ts: Date.now() });
    const log = (args: string[]) =>
      JSON.parse(spawnSync(process.execPath, [cliMain, 'log', '--json', ...args], { env: homeEnv(d.home), encoding: 'utf8' }).stdout) as Array<{
        session: string;
        shell: string;
      }>;
    expect(log(['--kind', 'agent']).some((r) => r.session === `${s}-sh`)).toBe(false);
    expect(log(['--kind', 'agent']).some((r) => r.session === s)).toBe(true);
    expect(log(['--kind', 'shell']).some((r) => r.session === s)).toBe(false);
    expect(log(['--kind', 'shell']).some((r) => r.session === `${s}-sh`)).toBe(true);
    expect(log(['--agent', 'gemini']).every((r) => r.shell === 'agent')).toBe(true);
    const verify = spawnSync(process.execPath, [cliMain, 'verify'], { env: homeEnv(d.home), encoding: 'utf8' });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });
});

describe('with the daemon down', () => {
  it.each(ENTRIES)(
    '%s: the in-process engine gives the same verdicts, the records wait in the spool and land when the daemon is back',
    async (entry) => {
      const home = tempHome();
      mkdirSync(home, { recursive: true, mode: 0o700 });
      writeFileSync(join(home, 'config.json'), JSON.stringify({ daemon: { warmupLines: 0 } }));
      const s = session('down');
      const ask = await runHook(entry, 'claude-code', preInput('claude-code', 'rm -rf /srv/data', { session: s, cwd: '/srv' }), { home, env: PROD });
      expect(decisionOf('claude-code', ask).decision).toBe('ask');
      const block = await runHook(entry, 'gemini', preInput('gemini', 'rm -rf /', { session: s, cwd: '/' }), { home, env: PROD });
      expect(decisionOf('gemini', block).decision).toBe('deny');
      const benign = await runHook(entry, 'codex', preInput('codex', 'ls', { session: s, cwd: '/' }), { home, env: PROD });
      expect(benign).toMatchObject({ code: 0, stdout: '' });
      const dev = await runHook(entry, 'codex', preInput('codex', 'rm -rf /srv/data', { session: s, cwd: '/' }), { home, env: {} });
      expect(dev).toMatchObject({ code: 0, stdout: '' });
      expect(readdirSync(join(home, 'spool')).filter((f) => f.startsWith('agent-'))).not.toEqual([]);
      const back = await startDaemon({ home });
      try {
        const rows = await waitFor(() => {
          const r = back.rows<Row>('SELECT * FROM events WHERE session = ? ORDER BY seq', s);
          return r.length === 3 ? r : null;
        }, 'the spooled agent records');
        expect(rows.map((r) => [r.agent, r.decision, r.via])).toEqual([
          ['claude-code', 'asked', 'spool'],
          ['gemini', 'blocked', 'spool'],
          ['codex', 'allowed', 'spool'],
        ]);
      } finally {
        await back.dispose();
      }
    },
  );
});

describe('with the daemon hung (it accepts and never answers)', () => {
  let hung: Server;
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
    hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const unix = createServer(() => undefined);
    await new Promise<void>((r) => unix.listen(join(home, 'run', 'daemon.sock'), r));
    hung.on('close', () => unix.close());
    writeFileSync(join(home, 'run', 'tcp.port'), `${(hung.address() as { port: number }).port}\n`, { mode: 0o600 });
    writeFileSync(join(home, 'run', 'token'), 'f'.repeat(64), { mode: 0o600 });
    // The TCP handshake's files (main's knock/proof): the script knocks, the hung listener never proves itself.
    writeFileSync(join(home, 'run', 'knock'), 'a'.repeat(64), { mode: 0o600 });
    writeFileSync(join(home, 'run', 'proof'), 'b'.repeat(64), { mode: 0o600 });
  });
  afterAll(() => new Promise<void>((r) => hung.close(() => r())));

  it.each(ENTRIES)('%s: denied after the bounded wait, and the failure spooled', async (entry) => {
    const r = await runHook(entry, 'codex', preInput('codex', 'ls', { session: session('hung'), cwd: '/' }), {
      home,
      env: { ...PROD, PRODGUARD_AGENT_TIMEOUT_MS: '300' },
    });
    const { decision, reason } = decisionOf('codex', r);
    expect(decision).toBe('deny');
    expect(reason).toMatch(/did not answer/);
    const spooled = readdirSync(join(home, 'spool')).filter((f) => f.startsWith('agent-'));
    expect(spooled.length).toBeGreaterThan(0);
  });
});

describe('with an impostor on the port of a daemon killed with -9', () => {
  it('the script sends it the knock only (no token, none of the call); the call is decided without it', async () => {
    const dead = await startDaemon();
    const token = readFileSync(dead.paths.tokenFile, 'utf8').trim();
    const port = Number(readFileSync(dead.paths.portFile, 'utf8'));
    await dead.kill('SIGKILL');
    let got = '';
    const impostor = createServer((c) => c.setEncoding('utf8').on('data', (x: string) => (got += x)));
    await new Promise<void>((r) => impostor.listen(port, '127.0.0.1', r));
    try {
      const s = session('impostor');
      const r = await runHook('script', 'codex', preInput('codex', 'rm -rf /srv/impostor', { session: s, cwd: '/srv' }), {
        home: dead.home,
        env: { ...PROD, PRODGUARD_AGENT_TIMEOUT_MS: '500' },
      });
      expect(decisionOf('codex', r).decision).toBe('deny');
      expect(got).toMatch(/"knock"/);
      expect(got).not.toContain(token);
      expect(got).not.toContain('rm -rf');
      expect(got).not.toContain('"op"');
    } finally {
      await new Promise<void>((r) => impostor.close(() => r()));
      await dead.dispose();
    }
  });
});

describe('the environment from /proc', () => {
  it("is only read from a prodguard hook process of the daemon's uid", async () => {
    const input = JSON.parse(preInput('codex', 'ls', { session: session('proc'), cwd: '/' })) as Record<string, unknown>;
    const origin = { session: 'unknown', shell: 'agent', pid: process.pid, tty: '', user: 'x', host: 'h' };
    // This test process is not a hook: its environment is not taken for the agent's.
    const r = await d.request({ op: 'hook', agent: 'codex', post: false, origin, envPid: process.pid, env: {}, input });
    expect(r.ok).toBe(false);
    expect(String(r.error)).toMatch(/not a prodguard hook/);
  });
});
