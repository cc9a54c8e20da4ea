import { existsSync } from 'node:fs';
import xterm from '@xterm/headless';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, scratch, victim } from './harness.js';

// What stays on the screen after a question is answered, read from a real terminal emulator
// (xterm.js headless) fed the shell's exact output: the raw pty text alone cannot tell a line
// that was erased (zsh redraws its prompt with cursor movements) from one that stayed.

const SHELLS = ['bash', 'zsh'] as const;

/** The screen the bytes draw on a 200x50 terminal (the pty's size), trailing blanks trimmed. */
async function screen(raw: string): Promise<string[]> {
  const term = new xterm.Terminal({ cols: 200, rows: 50, allowProposedApi: true, scrollback: 1000 });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

describe.each(SHELLS)('%s: the question and the answer stay on screen', (shell) => {
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];
  beforeAll(async () => {
    d = await startDaemon({});
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  it('a wrong phrase: the line, the question, what was typed and "cancelled" remain', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: { ENV: 'production' } });
    open.push(sh);
    const dir = victim(tmp.dir, `${shell}-screen-wrong`);
    const phrase = await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'not-the-phrase');
    expect(existsSync(dir)).toBe(true);
    const lines = await screen(sh.rawText());
    const at = lines.findIndex((l) => l.endsWith(`PG$ rm -rf ${dir}`));
    expect(at, lines.join('\n')).toBeGreaterThanOrEqual(0);
    const rest = lines.slice(at + 1);
    // The question with what was typed after it, then the verdict, on the lines that follow.
    const asked = rest.indexOf(`Type "${phrase}" to run it (anything else cancels): not-the-phrase`);
    expect(asked, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(rest[asked + 1]).toBe('prodguard: cancelled; the line did not run.');
    // The marker is on the first prompt of the shell and on the prompt that follows (the last line).
    expect(lines[0]).toMatch(/^\[PRODUCTION\] PG\$ /);
    expect(lines[lines.length - 1]).toMatch(/\[PRODUCTION\] PG\$ $|\[PRODUCTION\] PG\$$/);
  });

  it('the right phrase: the question and the typed phrase remain above what the line printed', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: { ENV: 'production' } });
    open.push(sh);
    const dir = victim(tmp.dir, `${shell}-screen-right`);
    const phrase = await expectQuestion(sh, `rm -rf ${dir} && echo removed-it\r`);
    const since = sh.mark();
    await answer(sh, phrase);
    // (zsh may redraw a prompt before the line's output: wait for what it prints.)
    await sh.waitFor(/removed-it[\s\S]*PG\$/, { since });
    expect(existsSync(dir)).toBe(false);
    const lines = await screen(sh.rawText());
    const at = lines.findIndex((l) => l.endsWith(`PG$ rm -rf ${dir} && echo removed-it`));
    expect(at, lines.join('\n')).toBeGreaterThanOrEqual(0);
    const rest = lines.slice(at + 1);
    const asked = rest.indexOf(`Type "${phrase}" to run it (anything else cancels): ${phrase}`);
    expect(asked, lines.join('\n')).toBeGreaterThanOrEqual(0);
    // Then what the line printed (zsh shows the accepted line once more in between).
    expect(rest.slice(asked + 1).filter((l) => !l.startsWith('[PRODUCTION] PG$ rm -rf'))[0]).toBe('removed-it');
  });
});
