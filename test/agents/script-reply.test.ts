import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_HEAD, helloLine, knockLine } from '../../daemon/contract/protocol.js';
import { startDaemon, tempHome, type TestDaemon } from '../helpers/daemon.js';
import { decisionOf, preInput, runHook } from './harness.js';

// How bin/prodguard-hook reads the daemon's reply: a pass in one read, anything longer up to the
// daemon's close (the daemon ends the connection after a hook's reply). The real daemon for what
// it does; a stand-in that passes the handshake (it is given the run dir's knock and proof) for
// what the real one cannot be made to do: keep the connection open as an older daemon did, send
// half a line and stall, or close in the middle of one. A stand-in, said here, because no real
// daemon misbehaves on demand.

const PROD = { ENV: 'production' };
let n = 0;
const session = (tag: string): string => `s-${tag}-${process.pid}-${++n}`;

describe('the real daemon', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d.dispose();
  });

  it('ends the TCP connection after a hook reply (one request per process), and a check keeps it open', async () => {
    const port = Number(readFileSync(d.paths.portFile, 'utf8'));
    const token = readFileSync(d.paths.tokenFile, 'utf8').trim();
    const knock = readFileSync(d.paths.knockFile, 'utf8').trim();
    const c = connect(port, '127.0.0.1');
    let got = '';
    let ended = false;
    c.setEncoding('utf8').on('data', (x: string) => (got += x));
    c.on('end', () => (ended = true));
    const closed = new Promise<void>((r) => c.on('close', () => r()));
    c.write(`${knockLine(knock)}\n`);
    const input = JSON.parse(preInput('claude-code', 'ls -la /srv', { session: session('real'), cwd: '/srv' })) as unknown;
    const origin = { session: 'unknown', shell: 'agent', pid: process.pid, tty: '', user: 'u', host: 'h' };
    c.write(`${JSON.stringify({ v: 1, op: 'hook', token, agent: 'claude-code', post: false, origin, env: PROD, input })}\n`);
    await closed;
    expect(ended).toBe(true);
    const lines = got.split('\n');
    expect(lines[1]).toBe(`${ANSWER_HEAD}null}`);
    expect(lines.slice(2)).toEqual(['']);
  });

  it.each(['script', 'node'] as const)('%s: input with a raw NUL byte (not JSON) is refused, not read without it', async (entry) => {
    const input = preInput('claude-code', 'rm -rf /srv/x\u0000y', { session: session('nul'), cwd: '/srv' }).replace('\\u0000', '\u0000');
    expect(input).toContain('\u0000');
    const { decision, reason } = decisionOf('claude-code', await runHook(entry, 'claude-code', input, { home: d.home, env: PROD }));
    expect(decision).toBe('deny');
    expect(reason).toContain('not valid JSON');
  });

  it('the script takes a long answer (ask) and a pass from it, and records both', async () => {
    const ask = session('ask');
    const r = await runHook('script', 'claude-code', preInput('claude-code', 'rm -rf /srv/data', { session: ask, cwd: '/srv' }), {
      home: d.home,
      env: PROD,
    });
    expect(decisionOf('claude-code', r).decision).toBe('ask');
    const pass = session('pass');
    const p = await runHook('script', 'claude-code', preInput('claude-code', 'ls /srv', { session: pass, cwd: '/srv' }), { home: d.home, env: PROD });
    expect(p).toMatchObject({ code: 0, stdout: '' });
    expect(d.rows('SELECT decision FROM events WHERE session IN (?, ?) ORDER BY seq', ask, pass)).toEqual([
      { decision: 'asked' },
      { decision: 'allowed' },
    ]);
  });
});

describe('a stand-in daemon that passes the handshake', () => {
  let home: string;
  let server: Server;
  /** What the stand-in does with the request line, once the handshake is done. */
  let behave: (c: Socket) => void = () => undefined;
  const sockets = new Set<Socket>();
  const ask = `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"${'x'.repeat(600)}"}}`;

  beforeAll(async () => {
    home = tempHome();
    mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
    const knock = 'a'.repeat(64);
    const proof = 'b'.repeat(64);
    server = createServer((c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
      let buf = '';
      let shaken = false;
      c.setEncoding('utf8').on('data', (x: string) => {
        buf += x;
        if (!shaken && buf.includes('\n')) {
          if (buf.slice(0, buf.indexOf('\n')) !== knockLine(knock)) return void c.destroy();
          shaken = true;
          buf = buf.slice(buf.indexOf('\n') + 1);
          c.write(`${helloLine(proof)}\n`);
        }
        if (shaken && buf.includes('\n')) {
          buf = '';
          behave(c);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    writeFileSync(join(home, 'run', 'tcp.port'), `${(server.address() as { port: number }).port}\n`, { mode: 0o600 });
    // Lines, as the daemon writes them (the script takes no run file without its newline).
    writeFileSync(join(home, 'run', 'token'), `${'f'.repeat(64)}\n`, { mode: 0o600 });
    writeFileSync(join(home, 'run', 'knock'), `${knock}\n`, { mode: 0o600 });
    writeFileSync(join(home, 'run', 'proof'), `${proof}\n`, { mode: 0o600 });
  });
  afterEach(() => {
    for (const c of sockets) c.destroy();
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const call = (tag: string) =>
    runHook('script', 'claude-code', preInput('claude-code', 'rm -rf /srv/x', { session: session(tag), cwd: '/srv' }), {
      home,
      env: { ...PROD, PRODGUARD_AGENT_TIMEOUT_MS: '1500' },
    });
  const spooledFailures = (): string =>
    readdirSync(join(home, 'spool'))
      .filter((f) => f.startsWith('agent-'))
      .map((f) => readFileSync(join(home, 'spool', f), 'utf8'))
      .join('');

  it('that keeps the connection open after a whole answer (an older daemon): the answer is taken as it is', async () => {
    behave = (c) => c.write(`${ANSWER_HEAD}${ask}}\n`);
    const r = await call('open');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ask}\n`);
  });

  it('that keeps the connection open after a pass: no output, exit 0', async () => {
    behave = (c) => c.write(`${ANSWER_HEAD}null}\n`);
    const r = await call('open-pass');
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('that sends half an answer and stalls: refused, and the failure spooled', async () => {
    behave = (c) => c.write(`${ANSWER_HEAD}${ask.slice(0, 300)}`);
    const r = await call('stall');
    const { decision, reason } = decisionOf('claude-code', r);
    expect(decision).toBe('deny');
    expect(reason).toContain('sent no whole answer');
    expect(r.stdout).not.toContain('x'.repeat(100));
    expect(spooledFailures()).toContain('sent no whole answer');
  });

  it('that closes in the middle of an answer: refused', async () => {
    behave = (c) => c.end(`${ANSWER_HEAD}${ask.slice(0, 300)}`);
    const { decision, reason } = decisionOf('claude-code', await call('cut'));
    expect(decision).toBe('deny');
    expect(reason).toContain('sent no whole answer');
  });

  it('that closes with a reply shorter than a pass: refused', async () => {
    behave = (c) => c.end('{"v":1}\n');
    const { decision, reason } = decisionOf('claude-code', await call('short'));
    expect(decision).toBe('deny');
    expect(reason).toContain('answered something else');
  });

  it('that sends nothing after the handshake: refused after the bounded wait', async () => {
    behave = () => undefined;
    const { decision, reason } = decisionOf('claude-code', await call('silent'));
    expect(decision).toBe('deny');
    expect(reason).toContain('did not answer within 1500 ms');
  });
});
