import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, runLine, scratch } from '../hooks/harness.js';

// End to end: what a line runs or feeds (scripts, SQL files, recipes, package scripts) and the
// shell's own aliases and functions, judged by the daemon through the real hooks of real bash and
// zsh under a pty. Each form has a victim: a wrong phrase keeps it, the right phrase removes it,
// and the audit row's `matched` names the file and line (or the alias/function) that matched.

const SHELLS = ['bash', 'zsh'] as const;
const prod = { ENV: 'production' };

interface Form {
  name: string;
  /** Writes the files of the form into `dir` (the shell's cwd), returns the line and the victim test. */
  setup(dir: string): { line: string; alive(): boolean; before?: string[]; rc?: string };
  /** What the audit row's matched must say. */
  matched: RegExp;
}

const dirVictim = (dir: string): { path: string; alive(): boolean } => {
  const path = join(dir, 'victim');
  mkdirSync(path);
  writeFileSync(join(path, 'data'), 'x');
  return { path, alive: () => existsSync(path) };
};

const script = (dir: string, name: string, body: string, mode = 0o755): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, mode);
  return p;
};

const sqliteVictim = (dir: string): { db: string; alive(): boolean } => {
  const db = join(dir, 'shop.db');
  execFileSync('sqlite3', [db, 'create table users(id int); insert into users values (1);']);
  writeFileSync(join(dir, 'drop.sql'), 'select 1;\n\n-- the cleanup\nDROP TABLE users;\n');
  return { db, alive: () => execFileSync('sqlite3', [db, '.tables'], { encoding: 'utf8' }).includes('users') };
};

const FORMS: Form[] = [
  {
    name: './x',
    matched: /cleanup\.sh:3: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup.sh', `#!/bin/bash\necho cleaning\nrm -rf ${v.path}\n`);
      return { line: './cleanup.sh', alive: v.alive };
    },
  },
  {
    name: 'path/x',
    matched: /bin\/cleanup:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      mkdirSync(join(d, 'bin'));
      script(d, 'bin/cleanup', `#!/bin/sh\nrm -rf ${v.path}\n`);
      return { line: 'bin/cleanup', alive: v.alive };
    },
  },
  {
    name: 'bash x',
    matched: /cleanup\.sh:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup.sh', `echo cleaning\nrm -rf victim\n`, 0o644);
      return { line: 'bash cleanup.sh', alive: v.alive };
    },
  },
  {
    name: 'sh x',
    matched: /cleanup\.sh:1: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup.sh', `rm -rf victim\n`, 0o644);
      return { line: 'sh cleanup.sh', alive: v.alive };
    },
  },
  {
    name: 'dash x',
    matched: /cleanup\.sh:1: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup.sh', `rm -rf victim\n`, 0o644);
      return { line: 'dash cleanup.sh', alive: v.alive };
    },
  },
  {
    name: 'source x',
    matched: /env\.sh:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'env.sh', `X=1\nrm -rf ${v.path}\n`, 0o644);
      return { line: 'source env.sh', alive: v.alive };
    },
  },
  {
    name: '. x',
    matched: /env\.sh:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'env.sh', `X=1\nrm -rf ${v.path}\n`, 0o644);
      return { line: '. ./env.sh', alive: v.alive };
    },
  },
  {
    name: 'a script calling a script',
    matched: /lib\/wipe\.sh:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      mkdirSync(join(d, 'lib'));
      script(d, 'lib/wipe.sh', `#!/bin/bash\nrm -rf ${v.path}\n`);
      script(d, 'run.sh', `#!/bin/bash\n./lib/wipe.sh\n`);
      return { line: './run.sh', alive: v.alive };
    },
  },
  {
    name: 'a PATH command whose shebang is a shell',
    matched: /pgreach-clean:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      mkdirSync(join(d, 'tools'));
      script(d, 'tools/pgreach-clean', `#!/usr/bin/env bash\nrm -rf ${v.path}\n`);
      return { line: 'pgreach-clean', alive: v.alive, before: [`PATH=${join(d, 'tools')}:$PATH`] };
    },
  },
  {
    name: 'make target (prerequisite recipe)',
    matched: /Makefile:5: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'Makefile'), 'all:\n\techo all\nwipe: prep\nprep:\n\t@rm -rf victim\n');
      return { line: 'make wipe', alive: v.alive };
    },
  },
  {
    name: 'make (default target)',
    matched: /Makefile:2: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'Makefile'), 'reset:\n\trm -rf victim\n');
      return { line: 'make', alive: v.alive };
    },
  },
  {
    name: 'make -C dir with $(MAKE) recursion',
    matched: /sub\/Makefile:2: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      mkdirSync(join(d, 'app', 'sub'), { recursive: true });
      writeFileSync(join(d, 'app', 'Makefile'), 'clean:\n\t$(MAKE) -C sub clean\n');
      writeFileSync(join(d, 'app', 'sub', 'Makefile'), `clean:\n\trm -rf ${v.path}\n`);
      return { line: 'make -C app clean', alive: v.alive };
    },
  },
  {
    name: 'make -f file',
    matched: /ops\.mk:2: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'ops.mk'), 'wipe:\n\trm -rf victim\n');
      return { line: 'make -f ops.mk wipe', alive: v.alive };
    },
  },
  {
    name: 'npm run S',
    matched: /package\.json:4: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'package.json'), '{\n  "name": "shop",\n  "scripts": {\n    "db:drop": "rm -rf victim"\n  }\n}\n');
      return { line: 'npm run db:drop', alive: v.alive };
    },
  },
  {
    name: 'npm test (shorthand, pretest hook)',
    matched: /package\.json:4: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(
        join(d, 'package.json'),
        '{\n  "name": "shop",\n  "scripts": {\n    "pretest": "rm -rf victim",\n    "test": "echo tested"\n  }\n}\n',
      );
      return { line: 'npm test', alive: v.alive };
    },
  },
  {
    name: 'python3 x.py (the interpreter-code scanner)',
    matched: /wipe\.py:4: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'wipe.py', 'import shutil\n\nprint("wiping")\nshutil.rmtree("victim")\n', 0o644);
      return { line: 'python3 wipe.py', alive: v.alive };
    },
  },
  {
    name: 'sqlite3 DB < F',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => {
      const v = sqliteVictim(d);
      return { line: 'sqlite3 shop.db < drop.sql', alive: v.alive };
    },
  },
  {
    name: 'sqlite3 DB ".read F"',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => {
      const v = sqliteVictim(d);
      return { line: 'sqlite3 shop.db ".read drop.sql"', alive: v.alive };
    },
  },
  {
    name: 'cat F | sqlite3 DB',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => {
      const v = sqliteVictim(d);
      return { line: 'cat drop.sql | sqlite3 shop.db', alive: v.alive };
    },
  },
  {
    name: 'an alias',
    matched: /alias nuke: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      return { line: 'nuke victim', alive: v.alive, before: ["alias nuke='rm -rf'"] };
    },
  },
  {
    name: 'an alias after && in a VAR=x prefixed command',
    matched: /alias nuke: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      return { line: 'true && X=1 nuke victim', alive: v.alive, rc: "alias nuke='rm -rf'" };
    },
  },
  {
    name: 'a function defined on an earlier line',
    matched: /function wipe: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      return { line: 'wipe victim', alive: v.alive, rc: 'wipe() { echo wiping; rm -rf "$1"; }' };
    },
  },
];

describe.each(SHELLS)('%s: what a line runs or feeds is judged', (shell) => {
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

  it.each(FORMS.map((f, i) => [f.name, f, i] as const))('%s: a wrong phrase keeps the victim, the right one removes it', async (_n, form, i) => {
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

  it('an unreadable script is judged as the line is today, and the verdict says why it was not read', async () => {
    const dir = join(tmp.dir, `${shell}-unreadable`);
    mkdirSync(dir);
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    open.push(sh);
    await runLine(sh, `cd ${dir}`);
    const out = await runLine(sh, './gone.sh; echo after-$((6*7))');
    expect(out).toContain('after-42');
    const reply = await d.request({
      op: 'check',
      origin: { session: 's1', shell: 'cli', pid: 1 },
      cmd: 1,
      line: './gone.sh',
      cwd: dir,
      env: prod,
      ts: Date.now(),
    });
    expect(reply.verdict).toBe('allow');
    expect(JSON.stringify(reply.detail)).toContain('gone.sh: not read: no such file');
  });
});
