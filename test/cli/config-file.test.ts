import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultConfig, parseConfig } from '../../daemon/config/load.js';
import { spawnCli } from '../helpers/cli-pty.js';
import { cliMain } from '../helpers/daemon.js';

// config init and config edit as a user runs them. The editor is a real program run through the
// shell as $EDITOR: a two-line script that shows a marker and writes what is typed into the file
// it was given (a stand-in for vi whose keystrokes a test can type), driven under node-pty.

function home(): string {
  return mkdtempSync(join(tmpdir(), 'pg-config-'));
}

function cli(h: string, args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PRODGUARD_HOME: h } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function editorScript(dir: string): string {
  const file = join(dir, 'typed-editor.sh');
  writeFileSync(file, '#!/bin/sh\nprintf "EDITOR OPEN %s\\n" "$(wc -c <"$1")"\nIFS= read -r line && printf "%s\\n" "$line" >"$1"\n', { mode: 0o755 });
  return file;
}

describe('config init', () => {
  test('writes every default, annotated, 0600; config check is green; it parses back to the defaults', () => {
    const h = home();
    const r = cli(h, ['config', 'init']);
    expect(r.code).toBe(0);
    const file = join(h, 'config.json');
    expect(r.stdout).toBe(`wrote ${file}: every setting at its default, with what it means; check it with \`prodguard config check\`\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\/\/ prodguard configuration/);
    expect(text).toContain('// Action for a critical match: block means it never runs in production.');
    expect(parseConfig(text, file)).toEqual(defaultConfig());
    const check = cli(h, ['config', 'check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(new RegExp(`^config ${file}: ok \\(\\d+ rules in effect`));
  });

  test('never overwrites an existing file unless --force', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), '{"daemon":{"hookTimeoutMs":1500}}');
    const r = cli(h, ['config', 'init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.json exists already: edit it with `prodguard config edit`, or pass --force/);
    expect(readFileSync(join(h, 'config.json'), 'utf8')).toBe('{"daemon":{"hookTimeoutMs":1500}}');
    expect(cli(h, ['config', 'init', '--force']).code).toBe(0);
    expect(parseConfig(readFileSync(join(h, 'config.json'), 'utf8'), 'x')).toEqual(defaultConfig());
  });
});

describe('config edit (under a real terminal)', () => {
  test('an invalid edit is shown with line and column and reopened; the fixed one is saved', async () => {
    const h = home();
    const file = join(h, 'config.json');
    writeFileSync(file, '{"daemon":{"hookTimeoutMs":1500}}\n', { mode: 0o600 });
    const t = await spawnCli(['config', 'edit'], { PRODGUARD_HOME: h, EDITOR: editorScript(h) });
    try {
      await t.waitFor(/EDITOR OPEN 34/);
      t.line('{"daemon": {"hookTimeoutMs": }}');
      await t.waitFor(/prodguard: config .*config\.json: invalid JSON at line 1, column 30: Unexpected token/);
      expect(readFileSync(file, 'utf8')).toBe('{"daemon":{"hookTimeoutMs":1500}}\n');
      await t.waitFor(/Press Enter to edit it again, or type "q" to discard your changes/);
      const mark = t.mark();
      t.line('');
      // Reopened on the draft, which holds the invalid edit (32 bytes), not the original.
      await t.waitFor(/EDITOR OPEN 32/, { since: mark });
      t.line('{"daemon": {"hookTimeoutMs": 2500}}');
      await t.waitFor(/config saved: .*config\.json \(valid, \d+ rules in effect\)/);
      expect((await t.exited).exitCode).toBe(0);
    } finally {
      await t.close();
    }
    expect(parseConfig(readFileSync(file, 'utf8'), file).daemon.hookTimeoutMs).toBe(2500);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(h).filter((f) => f.includes('.edit-'))).toEqual([]);
  });

  test('q discards an invalid edit; the file is unchanged', async () => {
    const h = home();
    const file = join(h, 'config.json');
    writeFileSync(file, '{}\n', { mode: 0o600 });
    const t = await spawnCli(['config', 'edit'], { PRODGUARD_HOME: h, EDITOR: editorScript(h) });
    try {
      await t.waitFor(/EDITOR OPEN/);
      t.line('{"polcy": {}}');
      await t.waitFor(/unknown field "polcy" \(did you mean "policy"\?\)/);
      await t.waitFor(/Press Enter to edit it again/);
      t.line('q');
      await t.waitFor(/changes discarded: .*config\.json was left unchanged/);
      expect((await t.exited).exitCode).toBe(7);
    } finally {
      await t.close();
    }
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
  });

  test('with no config yet, the editor starts from the annotated defaults', async () => {
    const h = home();
    const t = await spawnCli(['config', 'edit'], { PRODGUARD_HOME: h, EDITOR: editorScript(h) });
    try {
      await t.waitFor(/EDITOR OPEN (\d+)/);
      const size = Number(/EDITOR OPEN (\d+)/.exec(t.text())![1]);
      expect(size).toBeGreaterThan(1000);
      t.line('{}');
      await t.waitFor(/config saved/);
    } finally {
      await t.close();
    }
    expect(existsSync(join(h, 'config.json'))).toBe(true);
  });
});
