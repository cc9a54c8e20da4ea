import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/daemon.js';

// The hook's last resort, when neither the daemon nor node can run (the full engine is the
// fallback otherwise: test/faults/fallback.test.ts): the word list in shell-hooks/common.sh,
// in both shells, through the hooks' own __pg_local_match.

const common = join(repoRoot, 'shell-hooks', 'common.sh');
const hookOf = { bash: join(repoRoot, 'shell-hooks', 'prodguard.bash'), zsh: join(repoRoot, 'shell-hooks', 'prodguard.zsh') };

const asked = [
  'rm -rf /srv/data',
  '\\rm -rf /srv/data',
  'find /srv/data -delete',
  'rsync -a --delete src/ /srv/data/',
  'rsync -a --delete-after a/ b/',
  'git clean -fdx',
  'git clean -f',
  'git clean -d -f',
  '> app.db',
  'cat /dev/null > /srv/app/prod.sqlite3',
  'python3 -c \'import shutil; shutil.rmtree("/srv/data")\'',
  'DROP DATABASE billing',
  'kubectl delete ns prod',
];
const allowed = ['ls -la', 'echo hi > out.txt', 'docker run --rm alpine true', 'git status', 'rsync -a src/ dst/', 'cat app.db', 'find /srv -name x'];

/** The functions of common.sh and __pg_local_match of the shell's hook, then each line's result. */
function matches(shell: 'bash' | 'zsh', lines: string[]): boolean[] {
  const script = [
    `source ${common} 2>/dev/null`,
    // __pg_local_match's own definition, from the hook file (the rest of it needs a terminal).
    `eval "$(sed -n '/^__pg_local_match() {/,/^}/p' ${hookOf[shell]})"`,
    'while IFS= read -r l; do if __pg_local_match "$l"; then echo 1; else echo 0; fi; done',
  ].join('\n');
  const r = spawnSync(shell, ['-c', script], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((x) => x === '1');
}

describe('the last-resort word list (node cannot run)', () => {
  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: asks for the shapes the issue names, lets plain lines run`, () => {
      expect(asked.filter((_, i) => !matches(shell, asked)[i])).toEqual([]);
      expect(allowed.filter((_, i) => matches(shell, allowed)[i])).toEqual([]);
    });
  }
});
