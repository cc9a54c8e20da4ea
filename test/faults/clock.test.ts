import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cliMain, homeEnv, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { check, finish } from '../daemon/requests.js';
import { verifyChain } from './harness.js';

// A clock jumping backwards: hooks send their own clock (`ts`), so a host whose clock is set back
// (NTP step, VM restore, a wrong timezone fix) sends records older than the previous ones. Nothing
// in the store depends on time order: the chain is over seq, `prodguard log` orders by seq.

let d: TestDaemon | null = null;
afterEach(async () => {
  await d?.dispose();
  d = null;
});

describe('clock jumping backwards', () => {
  it('stores every record as sent, keeps arrival order by seq, verifies, and log still works', async () => {
    d = await startDaemon();
    const now = Date.now();
    const HOUR = 3_600_000;
    // Each line an hour earlier than the last, then one a day ahead, then back to now.
    const stamps = [now, now - HOUR, now - 2 * HOUR, now - 3 * HOUR, now + 24 * HOUR, now - 5];
    for (const [i, ts] of stamps.entries()) {
      const cmd = i + 1;
      expect(await d.request(check('s-clock', cmd, `echo tick-${cmd}`, { ts }))).toMatchObject({ ok: true, verdict: 'allow' });
      expect(await d.request(finish('s-clock', cmd, 0, { ts: ts + 1 }))).toMatchObject({ ok: true, recorded: true });
    }

    const rows = d.rows<{ seq: number; cmd: number; ts: number }>(
      "SELECT seq, cmd, ts FROM events WHERE session = 's-clock' AND kind = 'command' ORDER BY seq",
    );
    expect(
      rows.map((r) => r.cmd),
      'arrival order is seq order',
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      rows.map((r) => r.ts),
      'timestamps stored as the client sent them',
    ).toEqual(stamps);
    const v = verifyChain(d.paths.dbFile);
    expect(v.ok, JSON.stringify(v.problem)).toBe(true);

    const cli = (args: string[]) => spawnSync(process.execPath, [cliMain, ...args], { env: homeEnv(d!.home), encoding: 'utf8', timeout: 30_000 });
    const log = cli(['log', '--json', '--session', 's-clock', '--limit', '100']);
    expect(log.status, log.stderr).toBe(0);
    const listed = (JSON.parse(log.stdout) as Array<{ command: string | null }>).map((r) => r.command).filter(Boolean);
    expect([...listed].sort(), 'log lists every line').toEqual(stamps.map((_, i) => `echo tick-${i + 1}`).sort());
    // A time window still selects by the recorded time: the line from "tomorrow" is after now.
    const future = cli(['log', '--json', '--session', 's-clock', '--since', new Date(now + HOUR).toISOString()]);
    expect(future.status, future.stderr).toBe(0);
    expect((JSON.parse(future.stdout) as Array<{ command: string | null }>).map((r) => r.command).filter(Boolean)).toEqual(['echo tick-5']);
    const verify = cli(['verify', '--json']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });
});
