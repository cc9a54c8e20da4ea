import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { parseLine } from '../../daemon/engine/parse/index.js';
import { argView } from '../../daemon/engine/rules/args.js';
import { phraseFor } from '../../daemon/engine/verdict/decide.js';
import { PROD, cmd, config, line, rule } from './helpers.js';
import { createEvaluator } from '../../daemon/engine/verdict/evaluate.js';

// Gaps the corpus work found, closed: truncation by redirection, fork bombs, mv over data files,
// inline perl/node deletes, `{}` placeholders as phrases, and `docker rm -f NAME`.

const engine = createEngine(defaultConfig(), { hostname: 'web1' });
const evaluate = (l: string) => engine.evaluate({ line: l, env: PROD, cwd: '/srv/app' });
const ids = (l: string) => evaluate(l).matches.map((m) => m.rule);

describe('redirect match field (matcher semantics)', () => {
  const r = rule('t.redirect-db', { redirect: '\\.db$' }, { target: { from: 'redirect', kind: 'path' } });
  const ev = createEvaluator(config({ rules: { custom: [r] } }), { catalog: false, hostname: 'web1' });
  const run = (redirects: Array<{ op: string; target: string; fd?: number }>) =>
    ev.analyze({ line: 'x', env: PROD }, line(cmd('cat x', { redirects }))).verdict;

  it('matches the target of truncating redirects (>, >|, &>, >& file, with an fd) and extracts it', () => {
    for (const op of ['>', '>|', '&>', '>&'])
      expect(run([{ op, target: '/var/lib/app/data.db' }])).toMatchObject({ verdict: 'confirm', confirm: 'data.db' });
    expect(run([{ op: '>', target: 'x.db', fd: 2 }]).matches).toHaveLength(1);
  });

  it('a redirect target needs a redirect regex', () => {
    expect(() =>
      createEvaluator(config({ rules: { custom: [rule('t.x', { command: ['x'] }, { target: { from: 'redirect' } })] } }), { catalog: false }),
    ).toThrow(/target.from "redirect" needs match.redirect/);
  });

  it('ignores appends, inputs, fd duplication and here-docs', () => {
    for (const op of ['>>', '&>>', '<', '<>', '<<']) expect(run([{ op, target: 'data.db' }]).matches).toEqual([]);
    expect(run([{ op: '>&', target: '1', fd: 2 }]).matches).toEqual([]);
    expect(run([]).matches).toEqual([]);
  });
});

describe('a redirection without a command is the null command', () => {
  it('yields `:` with its redirects and source', () => {
    const c = parseLine('> /var/lib/app/data.db').commands;
    expect(c).toMatchObject([{ argv: [':'], name: ':', redirects: [{ op: '>', target: '/var/lib/app/data.db' }], source: '> /var/lib/app/data.db' }]);
    // The assignments still apply to the rest of the line.
    expect(parseLine('RM=rm > f; $RM -rf x').commands.map((x) => x.argv)).toEqual([[':'], ['rm', '-rf', 'x']]);
    // Input alone, and the redirections of compound commands, add nothing.
    expect(parseLine('< f').commands).toEqual([]);
    expect(parseLine('{ a; } > out; while read l; do b; done > out2; (c) > out3').commands.map((x) => x.name)).toEqual(['a', 'read', 'b', 'c']);
  });
});

describe('truncation by redirection (catalog)', () => {
  it.each([
    ['> data.db', 'filesystem.redirect-data-file', 'confirm'],
    ['> /var/lib/app/data.db', 'filesystem.redirect-data-file', 'confirm'],
    [': > /var/log/app.log', 'filesystem.redirect-log-file', 'confirm'],
    ['cat /dev/null > db.sqlite3', 'filesystem.redirect-data-file', 'confirm'],
    ['true > /var/lib/mysql/shop/orders.ibd', 'filesystem.redirect-data-file', 'confirm'],
    ['echo "" > /etc/passwd', 'filesystem.redirect-system-file', 'confirm'],
    ['echo nameserver 10.0.0.2 > /etc/resolv.conf', 'filesystem.redirect-etc', 'confirm'],
    [': >| /var/lib/redis/dump.rdb', 'filesystem.redirect-data-file', 'confirm'],
    ['> /var/lib/app/state', 'filesystem.redirect-var-lib', 'confirm'],
    ['echo b > /proc/sysrq-trigger', 'system.sysrq-trigger-redirect', 'block'],
    ['> /dev/sda', 'filesystem.redirect-block-device', 'block'],
    ['cat image.iso > /dev/nvme0n1', 'filesystem.redirect-block-device', 'block'],
    ['sudo sh -c "echo c > /proc/sysrq-trigger"', 'system.sysrq-trigger-redirect', 'block'],
  ])('%s -> %s', (l, id, verdict) => {
    const v = evaluate(l);
    expect(v.matches.map((m) => m.rule)).toContain(id);
    expect(v.verdict).toBe(verdict);
  });

  it.each([
    'ls > /dev/null',
    'make 2>&1',
    'ls > out.txt',
    'ps aux > /tmp/x',
    'echo started >> app.log',
    'echo x >> /var/lib/app/data.db',
    'cmd 2>/dev/null',
    'sqlite3 data.db .dump > backup.sql',
    'cat < data.db',
    'echo hi &> /dev/null',
  ])('benign: %s', (l) => expect(ids(l)).toEqual([]));
});

describe('fork bomb', () => {
  it.each([':(){ :|:& };:', 'bomb(){ bomb|bomb& }; bomb', 'f() { f | f & }; f', 'function boom { boom | boom & }; boom', 'x(){ x & x; }; x'])(
    '%s is blocked',
    (l) => {
      expect(evaluate(l)).toMatchObject({ verdict: 'block', severity: 'critical', matches: [{ rule: 'engine.fork-bomb' }] });
    },
  );
  it.each(['f(){ echo hi | cat & }; f', 'a(){ b | a & }; a', 'echo ":(){ :|:& };:" >> notes.txt'])('not a bomb: %s', (l) => {
    expect(ids(l)).not.toContain('engine.fork-bomb');
  });
});

describe('mv over data, inline deletes', () => {
  it.each([
    ['mv new.db prod.db', 'filesystem.mv-over-data-file'],
    ['mv /tmp/empty.db /var/lib/app/data.db', 'filesystem.mv-over-data-file'],
    ['mv x /var/lib/postgresql/15/main', 'filesystem.mv-data-dir'],
    // interpreter code is translated to the shell line it amounts to (daemon/engine/interp/)
    ['perl -e \'unlink "/var/lib/app/data.db"\'', 'filesystem.rm-database-files'],
    ['perl -MFile::Path=remove_tree -e \'remove_tree("/srv/data")\'', 'filesystem.rm-recursive'],
    ["node -e \"require('fs').rmSync('/srv/data', {recursive: true})\"", 'filesystem.rm-recursive'],
    ['node -e "fs.rmdirSync(\'/srv/data\', {recursive:true})"', 'filesystem.rm-recursive'],
    ["node -e \"require('fs').unlinkSync('/var/lib/app/data.db')\"", 'filesystem.rm-database-files'],
    ['ruby -e \'require "fileutils"; FileUtils.rm_rf("/srv/data")\'', 'filesystem.rm-recursive'],
    ['python3 -c "import shutil; shutil.rmtree(\'/srv/data\')"', 'filesystem.rm-recursive'],
  ])('%s -> %s', (l, id) => expect(ids(l)).toContain(id));

  it.each([
    'mv prod.db prod.db.bak',
    'mv notes.txt done.txt',
    'node -e "console.log(1)"',
    'perl -ne "print if /unlinked/" log.txt',
    'python3 -c "import os; print(os.getcwd())"',
  ])('benign: %s', (l) => {
    expect(ids(l)).toEqual([]);
  });
});

describe('placeholder targets fall back to the host name', () => {
  it('phraseFor', () => {
    expect(phraseFor('{}', 'path', '/srv', 'web1')).toBe('web1');
    expect(phraseFor('s3://{}', 'name', '/srv', 'web1')).toBe('web1');
    expect(phraseFor('/srv/{}/cache', 'path', '/srv', 'web1')).toBe('web1');
    expect(phraseFor('/srv/data', 'path', '/srv', 'web1')).toBe('data');
  });
  it('find -exec and xargs -I{} lines', () => {
    expect(evaluate('find /srv/app/cache -mtime +7 -exec rm -rf {} \\;')).toMatchObject({ verdict: 'confirm', confirm: 'web1' });
    expect(evaluate('cat list | xargs -I{} rm -rf /srv/{}')).toMatchObject({ verdict: 'confirm', confirm: 'web1' });
  });
});

describe('docker -f per sub-command', () => {
  const pos = (text: string) => argView(cmd(text)).positionals;
  it('is force after rm / rmi / container rm, a file for build and compose', () => {
    expect(pos('docker rm -f api')).toEqual(['rm', 'api']);
    expect(pos('docker rmi -f app:1')).toEqual(['rmi', 'app:1']);
    expect(pos('docker container rm -f api')).toEqual(['container', 'rm', 'api']);
    expect(pos('docker compose -f prod.yml rm -f web')).toEqual(['compose', 'rm', 'web']);
    expect(pos('docker build -f Dockerfile.prod .')).toEqual(['build', '.']);
    expect(pos('docker compose -f prod.yml down')).toEqual(['compose', 'down']);
  });
  it('docker rm -f api confirms with the container name', () => {
    expect(evaluate('docker rm -f api')).toMatchObject({ verdict: 'confirm', confirm: 'api' });
  });
});
