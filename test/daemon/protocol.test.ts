import { spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPort, readToken } from '../../cli/daemon-client.js';
import { ALLOW_SHORT, REPLY_PREFIX, SHORT_OK } from '../../daemon/contract/protocol.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CONFIRM_ALL, DESTRUCTIVE, check, decision, finish, session } from './requests.js';

// One real daemon over its real sockets: what each op records, and every kind of bad request
// refused with one JSON error line while the daemon keeps serving.

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon({ config: { ...CONFIRM_ALL, daemon: { maxRequestBytes: 4096 } } });
});
afterAll(async () => {
  await d?.dispose();
});

type Row = Record<string, unknown>;
const events = (session: string): Row[] => d.rows('SELECT * FROM events WHERE session = ? ORDER BY seq', session);

describe('daemon protocol', () => {
  it('answers health with version, pid, uptime and head', async () => {
    const h = await d.request({ op: 'health' });
    expect(h).toMatchObject({ v: 1, ok: true, pid: d.pid });
    expect(typeof h.version).toBe('string');
    expect(typeof h.uptimeMs).toBe('number');
    expect(Object.keys(h).slice(0, 6)).toEqual(['v', 'ok', 'version', 'pid', 'uptimeMs', 'head']);
  });

  it('records an allowed check before replying, with fixed reply field order', async () => {
    const raw = await d.send(JSON.stringify(check('s-allow', 1, 'ls -la')));
    expect(raw).toMatch(/^\{"v":1,"ok":true,"verdict":"allow","phrase":"","dryRun":false,"message":"","detail":\{/);
    const rows = events('s-allow');
    expect(rows).toHaveLength(1);
    // One identity: the daemon's account, with the $USER the shell claimed beside it (it differs).
    expect(rows[0]).toMatchObject({
      kind: 'command',
      cmd: 1,
      decision: 'allowed',
      command: 'ls -la',
      via: 'live',
      cwd: '/srv',
      user: `${userInfo().username} ($USER=alice)`,
    });
  });

  it('a shell whose $USER is the account records the account name alone', async () => {
    const req = check('s-same-user', 1, 'ls');
    req.origin.user = userInfo().username;
    await d.send(JSON.stringify(req));
    expect(events('s-same-user')[0]).toMatchObject({ user: userInfo().username });
  });

  it('records nothing for confirm until the decision, then exactly one row', async () => {
    const reply = await d.request(check('s-confirm', 1, DESTRUCTIVE));
    expect(reply.verdict).toBe('confirm');
    expect(String(reply.phrase).length).toBeGreaterThan(0);
    expect(String(reply.message)).toContain('needs confirmation');
    expect(String(reply.message)).toContain(String(reply.phrase));
    expect(events('s-confirm')).toHaveLength(0);

    const r1 = await d.request(decision('s-confirm', 1, DESTRUCTIVE, 'cancelled'));
    expect(r1).toMatchObject({ ok: true, recorded: true });
    const again = await d.request(decision('s-confirm', 1, DESTRUCTIVE, 'cancelled'));
    expect(again).toMatchObject({ ok: true, recorded: false });
    const rows = events('s-confirm');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'command', decision: 'cancelled' });
    expect(JSON.parse(String(rows[0]!.rules)).length).toBeGreaterThan(0);
    expect(rows[0]!.severity).not.toBeNull();
  });

  it('records finish as a result and session start/end/disabled', async () => {
    await d.request(session('s-life', 'start'));
    await d.request(check('s-life', 1, 'echo hi'));
    await d.request(finish('s-life', 1, 3));
    await d.request(session('s-life', 'disabled'));
    await d.request(session('s-life', 'end'));
    const rows = events('s-life');
    expect(rows.map((r) => r.kind)).toEqual(['session-start', 'command', 'result', 'disabled', 'session-end']);
    expect(rows[0]).toMatchObject({ env: 'production' });
    expect(rows[2]).toMatchObject({ cmd: 1, exit: 3, duration_ms: 12.5 });
  });

  it('answers a finish sent with ack "short" with exactly SHORT_OK, committed, also for a duplicate', async () => {
    // The bash hook reads this reply by its length on a connection it then sends the next request on.
    await d.request(check('s-short', 1, 'echo hi'));
    for (let i = 0; i < 2; i++) {
      const raw = await d.send(`${JSON.stringify(finish('s-short', 1, 0, { ack: 'short' }))}\n`);
      expect(raw).toBe(SHORT_OK);
    }
    expect(events('s-short').map((r) => r.kind)).toEqual(['command', 'result']);
    expect(JSON.parse(await d.send(`${JSON.stringify(finish('s-short', 2, 0, { ack: 'long' }))}\n`))).toMatchObject({
      ok: false,
      error: expect.stringContaining('ack'),
    });
  });

  it('answers a check sent with ack "short" with exactly ALLOW_SHORT when it is a plain allow, in full otherwise', async () => {
    // The hooks read the short reply whole by its length and keep the connection for the finish.
    expect(await d.send(`${JSON.stringify(check('s-ashort', 1, 'echo hi', { ack: 'short' }))}\n`)).toBe(ALLOW_SHORT);
    expect(events('s-ashort')).toMatchObject([{ kind: 'command', decision: 'allowed', command: 'echo hi' }]);
    // Something to say: the full reply, with its detail.
    const confirm = JSON.parse(await d.send(`${JSON.stringify(check('s-ashort', 2, DESTRUCTIVE, { ack: 'short' }))}\n`));
    expect(confirm).toMatchObject({ ok: true, verdict: 'confirm', detail: { verdict: 'confirm' } });
    // A config generation to pass on: the full reply, which carries it.
    const stale = await d.send(`${JSON.stringify(check('s-ashort', 3, 'echo hi', { ack: 'short', gen: '0000' }))}\n`);
    expect(stale.startsWith(`${REPLY_PREFIX.allow},"gen":"`)).toBe(true);
    // Without ack: the full reply, as before.
    expect((await d.send(`${JSON.stringify(check('s-ashort', 4, 'echo hi'))}\n`)).startsWith(`${REPLY_PREFIX.allow},"detail":`)).toBe(true);
  });

  it('records a wrapped statement as kind statement', async () => {
    await d.request(
      check('s-wrap', 1, 'SELECT 1', { origin: { session: 's-wrap', shell: 'wrap', pid: 1 }, statement: { dialect: 'sql', client: 'psql' } }),
    );
    expect(events('s-wrap')).toMatchObject([{ kind: 'statement', decision: 'allowed', shell: 'wrap' }]);
  });

  it('serves TCP only with the token, and refuses bad input with one JSON error line', async () => {
    const good = check('s-tcp', 1, 'ls');
    const ok = await d.request(good, { transport: 'tcp' });
    expect(ok).toMatchObject({ ok: true, verdict: 'allow' });

    const refusals: Array<[string, Promise<string>]> = [
      ['missing token', d.send(JSON.stringify({ ...good, cmd: 2 }), { transport: 'tcp' })],
      ['bad token', d.send(JSON.stringify({ ...good, cmd: 3, token: 'f'.repeat(64) }), { transport: 'tcp' })],
      ['malformed JSON', d.send('{"v":1,"op":', { transport: 'tcp' })],
      ['malformed JSON', d.send('{"v":1,"op":')],
      [
        'invalid request',
        d.send(JSON.stringify({ ...good, cmd: 4, token: readToken(d.paths), origin: { session: 'bad session!' } }), { transport: 'tcp' }),
      ],
      ['invalid request', d.send(JSON.stringify({ v: 2, op: 'health' }))],
      ['invalid request', d.send(JSON.stringify({ v: 1, op: 'explode' }))],
      ['request too large', d.send(JSON.stringify({ ...good, cmd: 5, line: 'x'.repeat(10_000) }))],
    ];
    for (const [want, p] of refusals) {
      const line = await p;
      expect(line).not.toContain('\n');
      const reply = JSON.parse(line) as Row;
      expect(reply).toMatchObject({ v: 1, ok: false });
      expect(String(reply.error)).toContain(want);
    }
    // Nothing refused was recorded; the daemon still serves both transports.
    expect(events('s-tcp').map((r) => r.cmd)).toEqual([1]);
    expect(await d.request(check('s-tcp', 6, 'ls'), { transport: 'tcp' })).toMatchObject({ ok: true });
    expect(await d.request({ op: 'health' })).toMatchObject({ ok: true });
  });

  it('closes a connection that streams an endless line without a newline', async () => {
    const port = readPort(d.paths);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      let buf = '';
      s.on('data', (b) => (buf += b.toString()));
      s.on('close', () => resolve(buf));
      // EPIPE/ECONNRESET: the daemon dropped us while we were still writing, as it should.
      s.on('error', (err: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(err.code ?? '') ? resolve(buf) : reject(err)));
      const chunk = Buffer.alloc(1024, 'a');
      // One chunk per turn, so the reply is read as soon as it comes.
      const pump = (): void => {
        if (buf || s.destroyed) return;
        if (s.write(chunk)) setImmediate(pump);
        else s.once('drain', pump);
      };
      s.on('connect', pump);
    });
    expect(JSON.parse(reply.trim())).toMatchObject({ ok: false, error: expect.stringContaining('too large') });
  });

  it('serves several requests on one connection, in order', async () => {
    const lines = [check('s-multi', 1, 'ls'), finish('s-multi', 1), check('s-multi', 2, 'pwd')].map((r) => JSON.stringify(r)).join('\n');
    const replies = await new Promise<string[]>((resolve, reject) => {
      const s = connect(d.paths.socket);
      let buf = '';
      s.on('data', (b) => {
        buf += b.toString();
        if (buf.split('\n').length > 3) s.end();
      });
      s.on('close', () => resolve(buf.trim().split('\n')));
      s.on('error', reject);
      s.write(`${lines}\n`);
    });
    expect(replies.map((r) => (JSON.parse(r) as Row).ok)).toEqual([true, true, true]);
    expect(JSON.parse(replies[1]!)).toMatchObject({ recorded: true });
    expect(events('s-multi').map((r) => `${String(r.kind)}:${String(r.cmd)}`)).toEqual(['command:1', 'result:1', 'command:2']);
  });

  it('keeps its files private and listens on loopback only', async () => {
    const mode = (p: string): number => statSync(p).mode & 0o777;
    expect(mode(d.paths.runDir)).toBe(0o700);
    expect(mode(d.paths.socket)).toBe(0o600);
    expect(mode(d.paths.tokenFile)).toBe(0o600);
    expect(mode(d.paths.portFile)).toBe(0o600);
    expect(mode(d.paths.spoolDir)).toBe(0o700);
    expect(readToken(d.paths)).toMatch(/^[0-9a-f]{64}$/);
    const port = readPort(d.paths);
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const { readFileSync } = await import('node:fs');
    const listening = [...readFileSync('/proc/net/tcp', 'utf8').split('\n'), ...readFileSync('/proc/net/tcp6', 'utf8').split('\n')].filter(
      (l) => l.includes(`:${hex} `) && / 0A /.test(l),
    );
    expect(listening.length).toBe(1);
    expect(listening[0]).toContain(`0100007F:${hex}`);
  });

  it('refuses another uid on the unix socket', async () => {
    // The home's temp dir is 0700 as created; let uid 65534 reach the run dir's parent so the
    // refusal comes from the run dir / socket modes themselves.
    chmodSync(d.home, 0o755);
    const script = `
      const s = require('net').connect(process.argv[1]);
      s.on('connect', () => { s.write('{"v":1,"op":"health"}\\n'); });
      s.on('data', (b) => { console.log('REPLY ' + b); process.exit(0); });
      s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(0); });`;
    const out = spawnSync(process.execPath, ['-e', script, d.paths.socket], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
    chmodSync(d.home, 0o700);
    expect(out.stdout.trim()).toBe('ERR EACCES');
    expect(await d.request({ op: 'health' })).toMatchObject({ ok: true });
  });
});
