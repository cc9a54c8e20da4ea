import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hookWordListConstants } from '../../cli/hook-constants.js';
import { DESTRUCTIVE_LOOKING, DESTRUCTIVE_WORDS } from '../../daemon/engine/rules/engine-rules.js';
import { repoRoot, tempHome } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, runLine, scratch, victim } from '../hooks/harness.js';

// The hook's last resort, when neither the daemon nor node can run (the full engine is the
// fallback otherwise: test/faults/fallback.test.ts): the engine's word list (DESTRUCTIVE_WORDS),
// generated into the hook header by `prodguard init` (cli/hook-constants.ts), and the option
// patterns of shell-hooks/common.sh, in both shells, through the hooks' own __pg_local_match.

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

/** The generated word list, common.sh and __pg_local_match of the shell's hook; each line's __pg_word ('' when no match). */
function words(shell: 'bash' | 'zsh', lines: string[]): string[] {
  const script = [
    ...hookWordListConstants(),
    `source ${common} 2>/dev/null`,
    // __pg_local_match's own definition, from the hook file (the rest of it needs a terminal).
    `eval "$(sed -n '/^__pg_local_match() {/,/^}/p' ${hookOf[shell]})"`,
    `while IFS= read -r l; do if __pg_local_match "$l"; then printf '=%s\\n' "$__pg_word"; else echo =; fi; done`,
  ].join('\n');
  const r = spawnSync(shell, ['-c', script], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const out = r.stdout.split('\n').slice(0, -1);
  expect(out).toHaveLength(lines.length);
  return out.map((x) => x.slice(1));
}

const matches = (shell: 'bash' | 'zsh', lines: string[]): boolean[] => words(shell, lines).map((w) => w !== '');

/** Each word as a command's argument, and the same word with a letter before or after it (not the word). */
const asWord = DESTRUCTIVE_WORDS.map((w) => `x ${w} y`);
const nearMisses = DESTRUCTIVE_WORDS.flatMap((w) => [`x ${w}q y`, `x q${w} y`]);

describe("the last-resort word list is the engine's", () => {
  it('the words are plain (a literal in a JS regex and in a POSIX ERE alike)', () => {
    expect(DESTRUCTIVE_WORDS.filter((w) => !/^-{0,2}[a-z0-9]+$/.test(w))).toEqual([]);
  });

  it("the generated regex lists exactly the engine's words, in its group 2", () => {
    const [line] = hookWordListConstants();
    expect(line).toContain(`])(${DESTRUCTIVE_WORDS.join('|')})([`);
  });

  it('the engine sees each word as a word, and not inside another', () => {
    expect(asWord.filter((l) => !DESTRUCTIVE_LOOKING.test(l))).toEqual([]);
    expect(nearMisses.filter((l) => DESTRUCTIVE_LOOKING.test(l))).toEqual([]);
  });

  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: the hook finds each of the engine's words, as itself, and not inside another`, () => {
      expect(words(shell, asWord)).toEqual([...DESTRUCTIVE_WORDS]);
      expect(
        words(
          shell,
          asWord.map((l) => l.toUpperCase()),
        ),
      ).toEqual([...DESTRUCTIVE_WORDS]);
      const missed = matches(shell, nearMisses);
      expect(nearMisses.filter((_, i) => missed[i])).toEqual([]);
    });
  }
});

describe('the last-resort word list (node cannot run)', () => {
  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: asks for the shapes the issue names, lets plain lines run`, () => {
      const ask = matches(shell, asked);
      const allow = matches(shell, allowed);
      expect(asked.filter((_, i) => !ask[i])).toEqual([]);
      expect(allowed.filter((_, i) => allow[i])).toEqual([]);
    });
  }
});

describe('in a real shell: the daemon down and node gone, the word list asks', () => {
  const victims = scratch();
  const shells: ShellSession[] = [];
  afterAll(async () => {
    await Promise.all(shells.map((s) => s.close()));
    victims.dispose();
  });

  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: rm -rf and kubectl drain are asked and cancelled, a plain line runs`, async () => {
      // No daemon in this home (autostart is off in the harness), and a node that does not exist,
      // so the full-engine fallback (dist/daemon/guard.js) cannot run either.
      const home = tempHome('pg-nonode-');
      const sh = await guardedShell(shell, { home, env: { ENV: 'production' }, after: '__pg_node=/nonexistent/node' });
      shells.push(sh);
      const dir = victim(victims.dir, `${shell}-nonode`);
      writeFileSync(join(dir, 'data'), 'keep');
      for (const [line, word] of [
        [`rm -rf ${dir}`, 'rm'],
        ['kubectl drain node-1', 'drain'],
      ] as const) {
        const since = sh.mark();
        await expectQuestion(sh, `${line}\r`);
        expect(sh.text().slice(since)).toContain(`the daemon is unreachable and it looks destructive ("${word}")`);
        expect(await answer(sh, 'no')).toMatch(/cancelled; the line did not run/);
      }
      expect(existsSync(join(dir, 'data'))).toBe(true);
      expect(sh.text()).not.toMatch(/checked locally by the full engine/);
      expect(await runLine(sh, 'echo still-runs')).toMatch(/\nstill-runs/);
    });
  }
});
