import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { cliMain } from '../helpers/daemon.js';

// daemon reload / stop / disable / enable through the built CLI against a real detached daemon.

const homes: string[] = [];
function home(config: object): string {
  const h = mkdtempSync(join(tmpdir(), 'pg-dctl-'));
  writeFileSync(join(h, 'config.json'), JSON.stringify(config));
  homes.push(h);
  return h;
}
const QUIET = { daemon: { warmupLines: 0 } };

function cli(h: string, args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PRODGUARD_HOME: h } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function status(h: string): { running: boolean; config?: { reloads: number; lastError: string | null } } {
  return JSON.parse(cli(h, ['daemon', 'status', '--json']).stdout);
}

afterEach(() => {
  for (const h of homes.splice(0)) cli(h, ['daemon', 'stop']);
});

describe('daemon control', () => {
  test('reload validates first, then the daemon re-reads the file; a bad file is refused and the daemon keeps running', () => {
    const h = home(QUIET);
    expect(cli(h, ['daemon', 'start']).code).toBe(0);
    writeFileSync(join(h, 'config.json'), JSON.stringify({ ...QUIET, daemon: { warmupLines: 0, hookTimeoutMs: 1500 } }));
    const ok = cli(h, ['daemon', 'reload']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^prodguard daemon reloaded .*config\.json \(pid \d+\)/);
    expect(status(h).config?.reloads).toBe(1);

    writeFileSync(join(h, 'config.json'), '{"daemon": {"hookTimeoutMs": "soon"}}');
    const bad = cli(h, ['daemon', 'reload']);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toMatch(/^prodguard: config .*config\.json: daemon\.hookTimeoutMs: expected number, got string\n$/);
    const after = status(h);
    expect(after.running).toBe(true);
    expect(after.config?.reloads).toBe(1);
  });

  test('reload with no daemon running says so (exit 6)', () => {
    const h = home(QUIET);
    const r = cli(h, ['daemon', 'reload']);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('prodguard: the daemon is not running: nothing to reload (it reads the config when it starts)\n');
  });

  test('stop says how to keep it stopped; disable keeps it stopped until enable', () => {
    const h = home(QUIET);
    expect(cli(h, ['daemon', 'start']).code).toBe(0);
    const stop = cli(h, ['daemon', 'stop']);
    expect(stop.stdout).toMatch(
      /^prodguard daemon stopped \(pid \d+\); the next production line starts it again; to keep it stopped: `prodguard daemon disable`/,
    );

    expect(cli(h, ['daemon', 'start']).code).toBe(0);
    const dis = cli(h, ['daemon', 'disable']);
    expect(dis.code).toBe(0);
    expect(dis.stdout).toContain('prodguard daemon disabled');
    expect(existsSync(join(h, 'daemon.disabled'))).toBe(true);
    expect(status(h).running).toBe(false);
    // What the hooks run to start it (common.sh __pg_start_daemon) now refuses.
    const start = cli(h, ['daemon', 'start']);
    expect(start.code).toBe(6);
    expect(start.stderr).toMatch(/the daemon is disabled .*`prodguard daemon enable` lets it start again/);
    expect(status(h).running).toBe(false);
    expect(cli(h, ['daemon', 'status']).stdout).toContain('not running, disabled');

    expect(cli(h, ['daemon', 'enable']).code).toBe(0);
    expect(cli(h, ['daemon', 'start']).code).toBe(0);
    expect(status(h).running).toBe(true);
  });
});
