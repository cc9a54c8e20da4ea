import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPort, readToken } from '../../cli/daemon-client.js';
import { check } from '../daemon/requests.js';
import { startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';

// Authentication cases test/daemon does not cover (it has: another uid on the unix socket, a
// missing or wrong token, a TCP flood of idle connections). Here: a token replayed from a copy
// or from another instance, refusals logged without the token, and a flood of held connections
// on BOTH listeners, half of them half-sent requests, while legitimate clients are served.

describe('authentication under hostile local processes', () => {
  let a: TestDaemon;
  let b: TestDaemon;
  const scratch = mkdtempSync(join(tmpdir(), 'pg-auth-'));

  beforeAll(async () => {
    [a, b] = await Promise.all([startDaemon(), startDaemon()]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("another instance's token is refused; a copy of the right token works (the token is the credential)", async () => {
    const theirs = readToken(b.paths);
    expect(theirs).not.toBe(readToken(a.paths));
    const refused = JSON.parse(await a.send(JSON.stringify({ ...check('auth-1', 1, 'ls'), token: theirs }), { transport: 'tcp' })) as Record<
      string,
      unknown
    >;
    expect(refused).toMatchObject({ ok: false, error: 'bad token' });

    // Read from somewhere else entirely: what is checked is the token's value, not where it came
    // from (documented in docs/known-limits.md: protect the 0600 token file like an SSH key).
    const copy = join(scratch, 'stolen-token');
    copyFileSync(a.paths.tokenFile, copy);
    const token = readFileSync(copy, 'utf8').trim();
    expect(await a.request({ ...check('auth-1', 2, 'ls'), token }, { transport: 'tcp' })).toMatchObject({ ok: true, verdict: 'allow' });

    // Refusals are logged with their reason, never with the token that was tried.
    await waitFor(() => /request refused/.test(a.logs()) && /bad token/.test(a.logs()), 'the refusal in the daemon log');
    expect(a.logs()).not.toContain(theirs);
    expect(a.rows("SELECT cmd FROM events WHERE session = 'auth-1'")).toEqual([{ cmd: 2 }]);
  });

  it('500 held connections on each listener (half with a half-sent request) do not stop legitimate clients', async () => {
    const port = readPort(a.paths);
    const open = (tcp: boolean, partial: boolean): Promise<Socket> =>
      new Promise((resolve) => {
        const s = tcp ? connect({ host: '127.0.0.1', port }) : connect(a.paths.socket);
        s.on('error', () => undefined);
        s.once('connect', () => {
          if (partial) s.write('{"v":1,"op":"check","line":"rm -rf /');
          resolve(s);
        });
        s.once('close', () => resolve(s));
      });
    const flood = await Promise.all(Array.from({ length: 1000 }, (_, i) => open(i % 2 === 0, i % 4 < 2)));
    try {
      const h = await waitFor(() => a.request({ op: 'health' }), 'health during the flood');
      expect(h).toMatchObject({ ok: true });
      expect(Number(h.connections)).toBeGreaterThanOrEqual(500);
      // Both transports still serve and record; a bad token is still refused.
      expect(await a.request(check('auth-2', 1, 'ls'))).toMatchObject({ ok: true, verdict: 'allow' });
      expect(await a.request(check('auth-2', 2, 'pwd'), { transport: 'tcp' })).toMatchObject({ ok: true, verdict: 'allow' });
      expect(JSON.parse(await a.send(JSON.stringify(check('auth-2', 3, 'ls')), { transport: 'tcp' }))).toMatchObject({
        ok: false,
        error: expect.stringContaining('missing token'),
      });
    } finally {
      for (const s of flood) s.destroy();
    }
    expect(a.rows<{ cmd: number }>("SELECT cmd FROM events WHERE session = 'auth-2' ORDER BY cmd").map((r) => r.cmd)).toEqual([1, 2]);
    // The half-sent requests recorded nothing and the daemon is still whole.
    expect(a.rows("SELECT count(*) AS n FROM events WHERE kind = 'command' AND session NOT IN ('auth-1', 'auth-2')")).toEqual([{ n: 0 }]);
    expect(await a.request({ op: 'health' })).toMatchObject({ ok: true });
  });
});
