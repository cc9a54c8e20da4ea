import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliMain } from '../helpers/daemon.js';

// `prodguard init bash|zsh` through the built CLI: what users put in their rc file.

const home = mkdtempSync(join(tmpdir(), 'pg-init-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function init(args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, 'init', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PRODGUARD_HOME: home },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('prodguard init', () => {
  it.each(['bash', 'zsh'] as const)('prints a %s hook that the shell parses, with the settings of this home and config', (shell) => {
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ production: { variables: ['CRONOS_AI_ENVIRONMENT'], values: ['prod', 'Live'] }, prompt: { marker: false } }),
    );
    const r = init([shell]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`__pg_spooldir='${join(home, 'spool')}'`);
    expect(r.out).toContain(`__pg_portfile='${join(home, 'run', 'tcp.port')}'`);
    expect(r.out).toContain('__pg_marker=0');
    expect(r.out).toMatch(/CRONOS_AI_ENVIRONMENT/);
    expect(r.out).toContain("'live'");
    expect(r.out).toContain(`export PRODGUARD_HOOK=${shell}`);
    const parsed = spawnSync(shell, ['-n'], { input: r.out, encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).toBe(0);
  });

  it('still prints the hook (on the defaults) when the config is invalid, with a one-line error', () => {
    writeFileSync(join(home, 'config.json'), '{"prompt": {"marker": "yes"}}');
    const r = init(['bash']);
    expect(r.code).toBe(7);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/config\.json: prompt\.marker/);
    expect(r.out).toContain('__pg_marker=1');
    expect(r.out).toContain('export PRODGUARD_HOOK=bash');
  });

  it('refuses an unknown shell with one line and the usage exit code', () => {
    const r = init(['fish']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/unknown shell "fish".*init bash/);
  });
});
