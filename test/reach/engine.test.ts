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

  it('python/node/ruby/perl files: shell run through system calls (placeholder until the interpreter scanner)', () => {
    w('clean.py', 'import os, shutil\nprint("rm -rf / is only printed")\nos.system("rm -rf /srv/py")\nshutil.rmtree("/srv/tree")\n');
    const m = matched('python3 clean.py');
    expect(m).toEqual(expect.arrayContaining(['clean.py:3: rm -rf /srv/py', expect.stringMatching(/^clean\.py:4: rm -rf -- .*\/srv\/tree/)]));
    expect(m.some((x) => x.includes('only printed'))).toBe(false);
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
