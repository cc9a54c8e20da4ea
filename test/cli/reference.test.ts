import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { cliMain } from '../helpers/daemon.js';

// The completion scripts, loaded into real bash and zsh and asked what they complete, and the man
// page rendered by a real groff.

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'pg-ref-'));
let bashScript: string;
let zshScript: string;
beforeAll(() => {
  bashScript = join(dir, 'c.bash');
  zshScript = join(dir, 'c.zsh');
  writeFileSync(bashScript, cli(['completions', 'bash']));
  writeFileSync(zshScript, cli(['completions', 'zsh']));
});

/** What the completion offers after `words` (the last one being completed). */
function complete(shell: 'bash' | 'zsh', words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  const script =
    shell === 'bash'
      ? `source ${bashScript}; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _prodguard; printf '%s\\n' "\${COMPREPLY[@]}"`
      : `autoload -Uz compinit && compinit -u -D; source ${zshScript}; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _prodguard; print -rl -- "\${COMPREPLY[@]}"`;
  const r = spawnSync(shell, shell === 'bash' ? ['--norc', '-c', script] : ['-f', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, HOME: dir },
  });
  expect(r.stderr).toBe('');
  const offered = r.stdout.split('\n').filter(Boolean).sort();
  // zsh's bashcompinit hands COMPREPLY to compadd, which keeps the words that start with the one
  // being completed (its compgen emulation ignores the prefix); bash's compgen filters itself.
  return shell === 'zsh' ? offered.filter((w) => w.startsWith(words[words.length - 1]!)) : offered;
}

describe.each(['bash', 'zsh'] as const)('completions %s', (shell) => {
  test.each<[string[], string[]]>([
    [['prodguard', 'lo'], ['log']],
    [['prodguard', 'daemon', 're'], ['reload']],
    [
      ['prodguard', 'daemon', 'st'],
      ['start', 'status', 'stop'],
    ],
    [['prodguard', 'log', '--sev'], ['--severity']],
    [['prodguard', 'log', '--severity', 'h'], ['high']],
    [['prodguard', 'config', 'e'], ['edit']],
    [
      ['prodguard', 'completions', ''],
      ['--help', 'bash', 'zsh'],
    ],
  ])('%j', (words, want) => expect(complete(shell, words)).toEqual(want));

  test('every command of the CLI is offered at the top level', () => {
    const help = cli(['--help']);
    const commands = [...help.matchAll(/^ {2}([a-z-]+)[ [<]/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(10);
    expect(complete(shell, ['prodguard', ''])).toEqual(expect.arrayContaining(commands));
  });
});

describe('man page', () => {
  test('groff renders it without warnings, with every command, the exit codes and the environment', () => {
    const page = cli(['man']);
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww'], { input: page, encoding: 'utf8', env: { ...process.env, MANWIDTH: '100' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const text = r.stdout.replace(/.\x08/g, '');
    for (const heading of ['NAME', 'SYNOPSIS', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT']) expect(text).toMatch(new RegExp(`^${heading}$`, 'm'));
    for (const c of ['check', 'log', 'daemon reload', 'prune', 'completions <shell>']) expect(text).toContain(`prodguard ${c}`);
    expect(text).toMatch(/--before <when>/);
    expect(text).toMatch(/^\s+5\s+TAMPERED\s+verify: the audit chain is broken/m);
    expect(text).toMatch(/PRODGUARD_HOME/);
  });
});
