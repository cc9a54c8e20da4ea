import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openStore } from '../../daemon/store/index.js';
import { spawnCli } from '../helpers/cli-pty.js';
import { cliMain } from '../helpers/daemon.js';
import { ev } from '../store/fixtures.js';

// uninstall and prompt as a user runs them: a HOME with rc files that load the hook, a
// PRODGUARD_HOME with an audit trail and a running daemon.

const RC = 'export PATH=$HOME/bin:$PATH\neval "$(prodguard init bash)"\neval "$(prodguard completions bash)"\nalias ll="ls -l"\n';

interface Setup {
  user: string;
  pg: string;
  env: Record<string, string>;
}
const made: Setup[] = [];
function setup(): Setup {
  const user = mkdtempSync(join(tmpdir(), 'pg-uninst-home-'));
  const pg = join(user, 'pg');
  mkdirSync(pg, { mode: 0o700 });
  writeFileSync(join(pg, 'config.json'), '{"daemon":{"warmupLines":0}}');
  const s = openStore(join(pg, 'audit.db'));
  s.appendMany([ev({ cmd: 1, command: 'echo kept' })]);
  s.close();
  writeFileSync(join(user, '.bashrc'), RC);
  writeFileSync(join(user, '.zshrc'), 'eval "$(prodguard init zsh)"\n');
  const env = { HOME: user, PRODGUARD_HOME: pg, XDG_CONFIG_HOME: join(user, '.config'), NO_COLOR: '1' };
  made.push({ user, pg, env });
  return made[made.length - 1]!;
}
afterEach(() => {
  for (const s of made.splice(0)) cli(s, ['daemon', 'stop']);
});

function cli(s: Setup, args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', env: { ...process.env, ...s.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('uninstall', () => {
  test('stops the daemon, names the rc lines, keeps the audit trail', () => {
    const s = setup();
    expect(cli(s, ['daemon', 'start']).code).toBe(0);
    const r = cli(s, ['uninstall']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prodguard daemon stopped \(pid \d+\)\n/);
    expect(r.stdout).toContain(`  ${join(s.user, '.bashrc')}:2: eval "$(prodguard init bash)"\n`);
    expect(r.stdout).toContain(`  ${join(s.user, '.bashrc')}:3: eval "$(prodguard completions bash)"\n`);
    expect(r.stdout).toContain(`  ${join(s.user, '.zshrc')}:1: eval "$(prodguard init zsh)"\n`);
    expect(r.stdout).toContain('kept the audit trail and config');
    expect(JSON.parse(cli(s, ['daemon', 'status', '--json']).stdout).running).toBe(false);
    expect(readFileSync(join(s.user, '.bashrc'), 'utf8')).toBe(RC);
    expect(existsSync(join(s.pg, 'audit.db'))).toBe(true);
  });

  test('--rc removes exactly the hook lines and keeps a backup; a systemd unit is removed', () => {
    const s = setup();
    const unit = join(s.user, '.config', 'systemd', 'user', 'prodguard.service');
    mkdirSync(join(unit, '..'), { recursive: true });
    writeFileSync(unit, '[Unit]\nDescription=prodguard\n');
    const r = cli(s, ['uninstall', '--rc']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(s.user, '.bashrc'), 'utf8')).toBe('export PATH=$HOME/bin:$PATH\nalias ll="ls -l"\n');
    expect(readFileSync(join(s.user, '.zshrc'), 'utf8')).toBe('');
    const backups = readdirSync(s.user).filter((f) => f.startsWith('.bashrc.prodguard-backup-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(s.user, backups[0]!), 'utf8')).toBe(RC);
    expect(existsSync(unit)).toBe(false);
    expect(r.stdout).toContain(`removed the systemd user unit ${unit}`);
  });

  test('--purge from a script wants --yes; with it the data goes', () => {
    const s = setup();
    const no = cli(s, ['uninstall', '--purge']);
    expect(no.code).toBe(2);
    expect(no.stderr).toBe('prodguard: --purge deletes the audit trail: from a script, add --yes to confirm\n');
    expect(existsSync(join(s.pg, 'audit.db'))).toBe(true);
    const yes = cli(s, ['uninstall', '--purge', '--yes']);
    expect(yes.code).toBe(0);
    expect(existsSync(s.pg)).toBe(false);
  });

  test('--purge on a terminal asks; anything but "purge" leaves everything as it was', async () => {
    const s = setup();
    const t = await spawnCli(['uninstall', '--purge'], s.env);
    try {
      await t.waitFor(/Type "purge" to delete them/);
      t.line('no');
      await t.waitFor(/nothing was uninstalled/);
      expect((await t.exited).exitCode).toBe(2);
    } finally {
      await t.close();
    }
    expect(existsSync(join(s.pg, 'audit.db'))).toBe(true);
    expect(readFileSync(join(s.user, '.bashrc'), 'utf8')).toBe(RC);

    const t2 = await spawnCli(['uninstall', '--purge'], s.env);
    try {
      await t2.waitFor(/Type "purge" to delete them/);
      t2.line('purge');
      await t2.waitFor(/deleted /);
      expect((await t2.exited).exitCode).toBe(0);
    } finally {
      await t2.close();
    }
    expect(existsSync(s.pg)).toBe(false);
  });
});

describe('prompt', () => {
  const run = (env: Record<string, string | undefined>, args: string[] = []) => {
    const base = { ...process.env };
    for (const k of ['ENV', 'NODE_ENV', 'ENVIRONMENT', 'APP_ENV', 'PRODGUARD_ENV', 'PRODGUARD_PRODUCTION', 'AWS_PROFILE', 'TF_WORKSPACE'])
      delete base[k];
    const r = spawnSync(process.execPath, [cliMain, 'prompt', ...args], {
      encoding: 'utf8',
      env: { ...base, HOME: mkdtempSync(join(tmpdir(), 'pg-prompt-')), ...env } as NodeJS.ProcessEnv,
    });
    return { code: r.status, stdout: r.stdout };
  };
  test('a segment with the signal in production, nothing (exit 1) elsewhere', () => {
    expect(run({ ENV: 'production' })).toEqual({ code: 0, stdout: 'PROD ENV=production\n' });
    expect(run({ TF_WORKSPACE: 'prod' }, ['--format', '<{signal}>'])).toEqual({ code: 0, stdout: '<terraform-workspace=prod>\n' });
    expect(run({ ENV: 'staging' })).toEqual({ code: 1, stdout: '' });
    expect(run({ ENV: 'production' }, ['--quiet'])).toEqual({ code: 0, stdout: '' });
  });
  test('in a hooked shell, the exported PRODGUARD_PRODUCTION is the answer', () => {
    expect(run({ PRODGUARD_PRODUCTION: 'kube-context=prod-eu' })).toEqual({ code: 0, stdout: 'PROD kube-context=prod-eu\n' });
    expect(run({ PRODGUARD_PRODUCTION: '0', ENV: 'production' })).toEqual({ code: 1, stdout: '' });
  });
});
