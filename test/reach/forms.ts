import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, runLine, scratch } from '../hooks/harness.js';

// The end-to-end model of the reach tests: a form is a line that runs or feeds a file (or an
// alias, a function), set up in a fresh directory with a victim. In real bash and zsh under a
// pty with the hook, against a real daemon: a wrong phrase keeps the victim, the right phrase
// removes it, and the audit row's `matched` names the file and line that matched.

export const SHELLS = ['bash', 'zsh'] as const;
export const prod = { ENV: 'production' };

export interface Form {
  name: string;
  /** Writes the files of the form into `dir` (the shell's cwd), returns the line and the victim test. */
  setup(dir: string): { line: string; alive(): boolean; before?: string[]; rc?: string };
  /** What the audit row's matched must say. */
  matched: RegExp;
}

export const dirVictim = (dir: string): { path: string; alive(): boolean } => {
  const path = join(dir, 'victim');
  mkdirSync(path);
  writeFileSync(join(path, 'data'), 'x');
  return { path, alive: () => existsSync(path) };
};

export const script = (dir: string, name: string, body: string, mode = 0o755): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, mode);
  return p;
};

/** What the extra tests of a shell's block can use. */
export interface FormsContext {
  shell: (typeof SHELLS)[number];
  daemon(): TestDaemon;
  scratchDir(): string;
  /** Shells opened by a test, closed after it. */
  open: ShellSession[];
}

/** One block per shell: every form, then `extra` (tests of its own on the same daemon). */
export function describeForms(title: string, forms: Form[], extra?: (ctx: FormsContext) => void): void {
  describe.each(SHELLS)(`%s: ${title}`, (shell) => {
    let d: TestDaemon;
    let tmp: ReturnType<typeof scratch>;
    const open: ShellSession[] = [];

    beforeAll(async () => {
      d = await startDaemon();
      tmp = scratch();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await d?.dispose();
      tmp?.dispose();
    });

    it.each(forms.map((f, i) => [f.name, f, i] as const))('%s: a wrong phrase keeps the victim, the right one removes it', async (_n, form, i) => {
      const dir = join(tmp.dir, `${shell}-${i}`);
      mkdirSync(dir);
      const { line, alive, before, rc } = form.setup(dir);
      const sh = await guardedShell(shell, { home: d.home, env: prod, ...(rc ? { after: rc } : {}) });
      open.push(sh);
      await runLine(sh, `cd ${dir}`);
      for (const b of before ?? []) await runLine(sh, b);

      await expectQuestion(sh, `${line}\r`);
      await answer(sh, 'not-the-phrase');
      expect(alive()).toBe(true);

      const phrase = await expectQuestion(sh, `${line}\r`);
      const out = await answer(sh, phrase);
      // zsh redraws the prompt and the line before running it: wait for the line's effect.
      await waitFor(() => !alive(), `the victim removed by the confirmed line; after the answer:\n${out}`);

      const rows = d.rows<{ decision: string; matched: string }>(
        'SELECT decision, matched FROM events WHERE pid = ? AND kind = ? AND command = ? ORDER BY seq',
        sh.pid,
        'command',
        line,
      );
      expect(rows.map((r) => r.decision)).toEqual(['cancelled', 'confirmed']);
      for (const r of rows) expect(r.matched).toMatch(form.matched);
    });

    extra?.({ shell, daemon: () => d, scratchDir: () => tmp.dir, open });
  });
}
