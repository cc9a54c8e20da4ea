import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine, type EngineInput } from '../../daemon/engine/index.js';
import { MAX_FILE_BYTES } from '../../daemon/engine/reach/index.js';
import { CheckRequestSchema } from '../../daemon/contract/protocol.js';

// The reach of a line through the real engine on real files: every form the issue names, what
// is not read and why, the limits (size, depth, cycles, FIFOs, symlinks), and lines that never
// touch a file. The end-to-end forms through real shells are in hooks.test.ts.

const engine = createEngine(defaultConfig());
const env = { PRODGUARD_ENV: 'production' };
let dir: string;
const w = (name: string, text: string, mode = 0o644): string => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};
const check = (line: string, extra: Partial<EngineInput> = {}) => engine.evaluate({ line, env, cwd: dir, ...extra });
const matched = (line: string, extra: Partial<EngineInput> = {}): string[] => check(line, extra).matches.map((m) => m.command);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pg-reach-'));
  w('drop.sql', 'select 1;\n\n-- cleanup\nDROP TABLE users;\n');
  w('flush.redis', 'GET a\nFLUSHALL\n');
  w('wipe.js', 'db.orders.find()\ndb.dropDatabase()\n');
  w('wipe.sh', '#!/bin/sh\necho x\nrm -rf /srv/data\n', 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQL and NoSQL files fed to a client', () => {
  it.each([
    ['psql -f drop.sql', /^drop\.sql:4: DROP TABLE users$/],
    ['psql -h db -f a.sql --file=drop.sql', /^drop\.sql:4: DROP TABLE users$/],
    ['psql < drop.sql', /^drop\.sql:4: DROP TABLE users$/],
    ['cat drop.sql | psql -At', /^drop\.sql:4: DROP TABLE users$/],
    ['mysql shop < drop.sql', /^drop\.sql:4: DROP TABLE users$/],
    ['mysql -e "source drop.sql"', /^drop\.sql:4: DROP TABLE users$/],
    ['sqlite3 shop.db < drop.sql', /^drop\.sql:4: DROP TABLE users$/],
    ['sqlite3 shop.db ".read drop.sql"', /^drop\.sql:4: DROP TABLE users$/],
    ['mongosh wipe.js', /^wipe\.js:2: db\.dropDatabase\(\)$/],
    ['mongosh --file wipe.js', /^wipe\.js:2: db\.dropDatabase\(\)$/],
    ['redis-cli < flush.redis', /^flush\.redis:2: FLUSHALL$/],
  ])('%s', (line, re) => {
    const v = check(line);
    expect(v.verdict).not.toBe('allow');
    expect(v.matches.map((m) => m.command)).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
  });

  it('a benign file stays allowed; a missing one is judged as the line and says why it was not read', () => {
    w('ok.sql', 'select * from users;\n');
    expect(check('psql -f ok.sql').verdict).toBe('allow');
    const v = check('psql -f gone.sql');
    expect(v.verdict).toBe('allow');
    expect(v.problems).toContain('gone.sql: not read: no such file');
  });
});

describe('task runners', () => {
  it('make: default target, named targets, prerequisites, -C, -f, variables, $(MAKE) recursion; make -n runs nothing', () => {
    w(
      'mk/Makefile',
      'DIR = /srv/cache\n.PHONY: all\nall: build\nbuild:\n\techo build\nclean: build\n\t-rm -rf $(DIR)\nsub:\n\t$(MAKE) -C inner wipe\n',
    );
    w('mk/inner/Makefile', 'wipe:\n\t@rm -rf /srv/inner\n');
    w('mk/ops.mk', 'reset:\n\tdropdb shop\n');
    expect(check('make -C mk').verdict).toBe('allow');
    expect(matched('make -C mk clean')).toContain('mk/Makefile:7: rm -rf /srv/cache');
    expect(matched('make -C mk clean DIR=/srv/other')).toContain('mk/Makefile:7: rm -rf /srv/other');
    expect(matched('make -C mk sub')).toContain('mk/inner/Makefile:2: rm -rf /srv/inner');
    expect(matched('make -f mk/ops.mk reset')).toEqual(expect.arrayContaining([expect.stringMatching(/^mk\/ops\.mk:2: dropdb shop/)]));
    expect(check('make -n -C mk clean').verdict).toBe('allow');
  });

  it('package scripts: npm run, npm test, pre/post hooks, yarn S, pnpm S, bun run S', () => {
    w(
      'pkg/package.json',
      JSON.stringify(
        {
          scripts: {
            'db:drop': 'dropdb shop',
            prewipe: 'rm -rf /srv/pre',
            wipe: 'echo wipe',
            postwipe: 'rm -rf /srv/post',
            test: 'vitest',
            pretest: 'rm -rf /srv/t',
          },
        },
        null,
        2,
      ),
    );
    const opts = { cwd: join(dir, 'pkg') };
    expect(matched('npm run db:drop', opts).some((m) => /package\.json:3: dropdb shop/.test(m))).toBe(true);
    expect(matched('npm run wipe', opts)).toEqual(expect.arrayContaining(['package.json:4: rm -rf /srv/pre', 'package.json:6: rm -rf /srv/post']));
    expect(matched('npm test', opts)).toContain('package.json:8: rm -rf /srv/t');
    expect(matched('yarn wipe', opts)).toContain('package.json:4: rm -rf /srv/pre');
    expect(matched('pnpm run wipe', opts)).toContain('package.json:4: rm -rf /srv/pre');
    expect(matched('bun run wipe', opts)).toContain('package.json:4: rm -rf /srv/pre');
    expect(check('yarn add left-pad', opts).verdict).toBe('allow');
    expect(matched('bun wipe', opts)).toContain('package.json:4: rm -rf /srv/pre');
    expect(check('bun test', opts).verdict).toBe('allow');
    // npm looks upwards for package.json
    mkdirSync(join(dir, 'pkg', 'src'), { recursive: true });
    // (a file outside the line's cwd is named by its absolute path)
    expect(matched('npm run wipe', { cwd: join(dir, 'pkg', 'src') })).toContain(`${join(dir, 'pkg', 'package.json')}:4: rm -rf /srv/pre`);
  });

  it('just: a named recipe with its dependencies, the default recipe', () => {
    w('j/justfile', 'default: build\n\nbuild:\n    echo build\n\nreset: build\n    rm -rf /srv/j\n');
    expect(check('just', { cwd: join(dir, 'j') }).verdict).toBe('allow');
    expect(matched('just reset', { cwd: join(dir, 'j') })).toContain('justfile:7: rm -rf /srv/j');
  });
});

describe('scripts and interpreters', () => {
  it('./x, path, bash/sh/zsh/dash x, source, . , a script with arguments ($1 stays a parameter)', () => {
    for (const line of [
      './wipe.sh',
      `${dir}/wipe.sh`,
      'bash wipe.sh',
      'sh -e wipe.sh',
      'zsh wipe.sh',
      'dash wipe.sh',
      'source wipe.sh',
      '. wipe.sh',
      'sudo ./wipe.sh',
      'bash < wipe.sh',
    ]) {
      expect(matched(line), line).toContain('wipe.sh:3: rm -rf /srv/data');
    }
  });

  it('files of another machine or container are not read: ssh host ./x, kubectl exec, docker exec', () => {
    for (const line of [
      'ssh web1 ./wipe.sh',
      'ssh web1 "bash wipe.sh"',
      'kubectl exec api-0 -- sh wipe.sh',
      'docker exec app bash wipe.sh',
      'chroot /mnt sh wipe.sh',
    ]) {
      expect(
        matched(line).some((m) => m.startsWith('wipe.sh:')),
        line,
      ).toBe(false);
    }
  });

  it('bash -n (a syntax check) reads nothing; ~/ is the home directory', () => {
    expect(check('bash -n wipe.sh').verdict).toBe('allow');
    expect(check('source ~/.pg-reach-no-such-file').problems.join()).toMatch(/^\/.*\.pg-reach-no-such-file: not read: no such file$/);
  });

  it('a PATH command that is a shell script (the PATH the hook forwards); a binary on PATH is not read', () => {
    w('bin/pgreach-tool', '#!/usr/bin/env bash\nrm -rf /srv/tool\n', 0o755);
    expect(matched('pgreach-tool', { env: { ...env, PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } })).toContain('bin/pgreach-tool:2: rm -rf /srv/tool');
    expect(matched('pgreach-tool', { cwd: '/proc', env: { ...env, PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } })).toContain(
      `${join(dir, 'bin', 'pgreach-tool')}:2: rm -rf /srv/tool`,
    );
    expect(check('ls -la', { env: { ...env, PATH: '/usr/bin:/bin' } }).problems).toEqual([]);
  });

  describe('interpreter files: the interpreter-code scanner of the catalog, at file:line', () => {
    /** [rule, matched, target] of each match: exact, so a wrong rule or a wrong line fails. */
    const hits = (line: string, extra: Partial<EngineInput> = {}) => check(line, extra).matches.map((m) => [m.rule, m.command, m.target]);
    const RM = 'filesystem.rm-recursive';

    it.each([
      [
        'python3 clean.py',
        'clean.py',
        'import os, shutil\nprint("rm -rf / is only printed")\nos.system("rm -rf /srv/py")\nshutil.rmtree("/srv/tree")\n',
        [
          [RM, 'clean.py:3: rm -rf /srv/py', '/srv/py'],
          [RM, 'clean.py:4: rm -rf /srv/tree', '/srv/tree'],
        ],
      ],
      [
        'python wipe.py --yes',
        'wipe.py',
        'import subprocess\n\ndef main():\n    subprocess.run(["rm", "-rf", "/srv/data"], check=True)\n',
        [[RM, 'wipe.py:4: rm -rf /srv/data', '/srv/data']],
      ],
      ['python3 alias.py', 'alias.py', 'import shutil as sh\nsh.rmtree("/srv/aliased")\n', [[RM, 'alias.py:2: rm -rf /srv/aliased', '/srv/aliased']]],
      [
        'node purge.js',
        'purge.js',
        'const fs = require("node:fs");\nfs.rmSync("/srv/js", { recursive: true, force: true });\n',
        [[RM, 'purge.js:2: rm -rf /srv/js', '/srv/js']],
      ],
      ['ruby purge.rb', 'purge.rb', 'require "fileutils"\nFileUtils.rm_rf("/srv/rb")\n', [[RM, 'purge.rb:2: rm -rf /srv/rb', '/srv/rb']]],
      ['perl purge.pl', 'purge.pl', 'use strict;\nsystem("rm -rf /srv/pl");\n', [[RM, 'purge.pl:2: rm -rf /srv/pl', '/srv/pl']]],
      [
        'python3 db.py',
        'db.py',
        'import os\nos.system("psql -c \'DROP TABLE invoices\'")\n',
        [['sql.drop-table', 'db.py:2: DROP TABLE invoices', 'invoices']],
      ],
    ])('%s', (line, name, body, want) => {
      w(name, body);
      expect(hits(line)).toEqual(want);
    });

    it('judged like the equivalent shell: same rule, same phrase to type', () => {
      w('same.py', 'import shutil\nshutil.rmtree("/srv/data")\n');
      const py = check('python3 same.py');
      const sh = check('rm -rf /srv/data');
      expect([py.verdict, py.confirm, py.matches.map((m) => m.rule)]).toEqual([sh.verdict, sh.confirm, sh.matches.map((m) => m.rule)]);
    });

    it('a non-shell shebang (python, node) on a ./x or PATH command', () => {
      w('bin/pgreach-py', '#!/usr/bin/env python3\nimport os\nos.remove("/etc/hosts")\nos.system("rm -rf /srv/shebang")\n', 0o755);
      w('run.js', '#!/usr/bin/node\nrequire("child_process").execSync("rm -rf /srv/node-shebang");\n', 0o755);
      const want = ['bin/pgreach-py:3: rm /etc/hosts', 'bin/pgreach-py:4: rm -rf /srv/shebang'];
      expect(hits('bin/pgreach-py').map((h) => h[1])).toEqual(want);
      expect(hits('pgreach-py', { env: { ...env, PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } }).map((h) => h[1])).toEqual(want);
      expect(hits('./run.js')).toEqual([[RM, 'run.js:2: rm -rf /srv/node-shebang', '/srv/node-shebang']]);
    });

    it('printed, assigned or computed text is not a call; benign files stay allowed', () => {
      w('benign.py', 'cmd = "rm -rf /srv/data"\nprint(cmd)\nopen("/tmp/x.log").read()\n');
      w('computed.py', 'import os, sys\nos.system(sys.argv[1])\n');
      expect(check('python3 benign.py').verdict).toBe('allow');
      expect(check('python3 computed.py').verdict).toBe('allow');
    });

    it('call sites that translate to nothing (a command built at run time) do not hide a later call', () => {
      w('many.py', `import os\n${'os.system(cmd)\n'.repeat(600)}import shutil\nshutil.rmtree("/srv/after-600")\n`);
      expect(hits('python3 many.py')).toEqual([[RM, 'many.py:603: rm -rf /srv/after-600', '/srv/after-600']]);
      expect(check('python3 many.py').problems).toEqual([]);
    });

    it('past the limits (256 calls a file, 1024 call sites per 8 KiB) the verdict says what was not read', () => {
      w('calls.py', `import os\n${'os.remove("/tmp/x")\n'.repeat(2000)}`);
      expect(check('python3 calls.py').problems).toEqual([
        expect.stringMatching(/^calls\.py: lines 1-\d+ hold too many calls: not all of them were read$/),
        expect.stringMatching(/^calls\.py: more than 256 calls: those after line \d+ were not read$/),
      ]);
      w('sites.py', `${'open()\n'.repeat(1200)}`);
      expect(check('python3 sites.py').problems).toEqual([
        expect.stringMatching(/^sites\.py: lines 1-\d+ hold too many calls: not all of them were read$/),
      ]);
    });

    it('a file longer than the scanner reads at once is read in pieces, module aliases kept, lines exact', () => {
      const filler = '# filler line to push the call past the first piece\n'.repeat(3000); // ~160 KB
      w('long.py', `import shutil as sh\n${filler}sh.rmtree("/srv/late")\n`);
      expect(hits('python3 long.py')).toEqual([[RM, 'long.py:3002: rm -rf /srv/late', '/srv/late']]);
    });
  });

  it('depth cap 3 for scripts calling scripts; a cycle is read once', () => {
    w('d/a.sh', 'sh d/b.sh\n');
    w('d/b.sh', 'sh d/c.sh\n');
    w('d/c.sh', 'rm -rf /srv/depth3\nsh d/e.sh\n');
    w('d/e.sh', 'rm -rf /srv/depth4\n');
    const m = matched('sh d/a.sh');
    expect(m).toContain('d/c.sh:1: rm -rf /srv/depth3');
    expect(m.some((x) => x.includes('depth4'))).toBe(false);
    expect(check('sh d/a.sh').problems.join()).toMatch(/d\/c\.sh:2: sh not followed: depth limit \(3 files deep\)/);
    w('d/loop1.sh', 'sh d/loop2.sh\nrm -rf /srv/loop\n');
    w('d/loop2.sh', 'sh d/loop1.sh\n');
    expect(matched('sh d/loop1.sh')).toContain('d/loop1.sh:2: rm -rf /srv/loop');
  });

  it('size cap, FIFOs, directories, unreadable files and symlink loops are not read, and the verdict says why', () => {
    w('big.sql', `${'select 1;\n'.repeat(MAX_FILE_BYTES / 10)}drop table users;\n`);
    expect(check('psql -f big.sql').problems.join()).toMatch(/big\.sql: not read: too large/);
    execFileSync('mkfifo', [join(dir, 'pipe.sql')]);
    expect(check('psql -f pipe.sql').problems).toContain('pipe.sql: not read: not a regular file');
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    expect(check('sh loop-a').problems).toContain('loop-a: not read: symlink loop');
    symlinkSync('wipe.sh', join(dir, 'link.sh'));
    expect(matched('sh link.sh')).toContain('link.sh:3: rm -rf /srv/data');
  });
});

describe("the shell's own definitions", () => {
  it('the check request takes them, bounded (64 names a table, 64 KB a definition)', () => {
    const base = { v: 1, op: 'check', origin: { session: 's', shell: 'bash', pid: 1 }, cmd: 1, line: 'nuke x', ts: 1 };
    expect(CheckRequestSchema.safeParse({ ...base, defs: { aliases: { nuke: 'rm -rf' } } }).success).toBe(true);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`a${i}`, 'ls']));
    expect(CheckRequestSchema.safeParse({ ...base, defs: { aliases: many } }).success).toBe(false);
    expect(CheckRequestSchema.safeParse({ ...base, defs: { functions: { f: 'x'.repeat(65_537) } } }).success).toBe(false);
  });

  it('aliases (nuke, k, tf, g) and functions (by body, with their arguments)', () => {
    expect(matched('nuke /srv/x', { defs: { aliases: { nuke: 'rm -rf' } } })).toContain('alias nuke: rm -rf /srv/x');
    expect(check('k delete ns payments', { defs: { aliases: { k: 'kubectl' } } }).confirm).toBe('payments');
    expect(check('tf destroy -auto-approve', { defs: { aliases: { tf: 'terraform' } } }).verdict).toBe('confirm');
    expect(check('g push --force origin main', { defs: { aliases: { g: 'git' } } }).confirm).toBe('main');
    const fn = 'wipe () \n{ \n    echo wiping;\n    rm -rf "$1"\n}';
    const v = check('wipe /srv/y', { defs: { functions: { wipe: fn } } });
    expect(v.matches.map((m) => m.command)).toContain('function wipe: rm -rf "$1"');
    expect(v.confirm).toBe('y');
    // zsh's $functions holds the body alone
    expect(check('wipe /srv/z', { defs: { functions: { wipe: '\techo wiping\n\trm -rf "$1"' } } }).confirm).toBe('z');
    // an alias that calls itself expands once
    expect(check('ls /srv', { defs: { aliases: { ls: 'ls --color=auto' } } }).verdict).toBe('allow');
    // without definitions the same words are unknown programs
    expect(check('nuke /srv/x').matches.some((m) => m.command.startsWith('alias'))).toBe(false);
  });
});
