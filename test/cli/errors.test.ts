import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { cliMain } from '../helpers/daemon.js';

// Option-parsing mistakes come out in the one documented error format (`prodguard: <what>:
// <what to do>`, one line, exit 2), not in commander's two-line `error: ...` form.

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('usage errors', () => {
  test.each<[string[], string]>([
    [['log', '--bogus'], "prodguard: unknown option '--bogus': see `prodguard log --help` for usage\n"],
    [['log', '--jsn'], "prodguard: unknown option '--jsn': did you mean `--json`?\n"],
    [['lgo'], "prodguard: unknown command 'lgo': did you mean `prodguard log`?\n"],
    [['init'], "prodguard: missing required argument 'shell': see `prodguard init --help` for usage\n"],
    [
      ['log', '--limit', 'x'],
      "prodguard: option '--limit <n>' argument 'x' is invalid. --limit must be a whole number above 0: see `prodguard log --help` for usage\n",
    ],
  ])('prodguard %j', (args, stderr) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    expect(r.stdout).toBe('');
  });

  test('--help and --version still exit 0', () => {
    expect(run(['--help']).code).toBe(0);
    expect(run(['log', '--help']).code).toBe(0);
    expect(run(['--version']).code).toBe(0);
  });
});
