import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { guardedShell, runLine } from '../hooks/harness.js';
import { describeForms, dirVictim, prod, script, type Form } from './forms.js';

// End to end: what a line runs or feeds (scripts, SQL files, recipes, package scripts) and the
// shell's own aliases and functions, judged by the daemon through the real hooks of real bash and
// zsh under a pty (the runner is forms.ts). Database servers and the other task runners are in
// clients.test.ts.

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
    name: 'zsh x',
    matched: /cleanup\.sh:1: rm -rf/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup.sh', `rm -rf victim\n`, 0o644);
      return { line: 'zsh cleanup.sh', alive: v.alive };
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
    name: 'node x.js',
    matched: /purge\.js:2: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'purge.js', 'const fs = require("node:fs");\nfs.rmSync("victim", { recursive: true, force: true });\n', 0o644);
      return { line: 'node purge.js', alive: v.alive };
    },
  },
  {
    name: 'perl x.pl',
    matched: /purge\.pl:3: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'purge.pl', 'use strict;\nprint "purging\\n";\nsystem("rm -rf victim");\n', 0o644);
      return { line: 'perl purge.pl', alive: v.alive };
    },
  },
  {
    name: './x whose shebang is python',
    matched: /cleanup:3: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      script(d, 'cleanup', '#!/usr/bin/env python3\nimport shutil\nshutil.rmtree("victim")\n');
      return { line: './cleanup', alive: v.alive };
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

describeForms('what a line runs or feeds is judged', FORMS, (ctx) => {
  it('an unreadable script is judged as the line is today, and the verdict says why it was not read', async () => {
    const dir = join(ctx.scratchDir(), `${ctx.shell}-unreadable`);
    mkdirSync(dir);
    const sh = await guardedShell(ctx.shell, { home: ctx.daemon().home, env: prod });
    ctx.open.push(sh);
    await runLine(sh, `cd ${dir}`);
    const out = await runLine(sh, './gone.sh; echo after-$((6*7))');
    expect(out).toContain('after-42');
    const reply = await ctx.daemon().request({
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
