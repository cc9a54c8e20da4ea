import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvaluator } from '../../daemon/engine/verdict/evaluate.js';
import { loadCatalog } from '../../daemon/engine/rules/catalog/index.js';
import type { Rule } from '../../daemon/engine/rules/schema.js';
import type { ParsedLine } from '../../daemon/engine/parse/types.js';
import { PROD, cmd, config, line, rule, withStatements } from './helpers.js';

// Matcher semantics (daemon/engine/rules/schema.ts) on hand-built parser output.

function ruleIds(rules: Rule[], parsed: ParsedLine, env: Record<string, string> = PROD): string[] {
  const ev = createEvaluator(config({ rules: { custom: rules } }), { catalog: false, hostname: 'web1' });
  return ev.analyze({ line: 'x', env }, parsed).verdict.matches.map((m) => m.rule);
}

function matches(rules: Rule[], parsed: ParsedLine) {
  const ev = createEvaluator(config({ rules: { custom: rules } }), { catalog: false, hostname: 'web1' });
  return ev.analyze({ line: 'x', env: PROD, cwd: '/srv/app' }, parsed).verdict.matches;
}

const rmrf = rule('fs.rm-rf', { command: ['rm'], all: ['-r|-R|--recursive', '-f|--force'] }, { target: { from: 'lastArg', kind: 'path' } });

describe('flags', () => {
  it.each([
    'rm -rf /srv/data',
    'rm -fr /srv/data',
    'rm -r -f /srv/data',
    'rm --recursive --force /srv/data',
    'rm -Rfv /srv/data',
    'rm --force=yes -R /srv/data',
  ])('%s holds both flags', (text) => expect(ruleIds([rmrf], line(text))).toEqual(['fs.rm-rf']));

  it.each(['rm -r /srv/data', 'rm -f /srv/data', 'rm /srv/data', 'rmdir -rf x', 'rm -- -rf'])('%s does not', (text) => {
    expect(ruleIds([rmrf], line(text))).toEqual([]);
  });

  it('bundled: false matches single-dash words exactly', () => {
    const r = rule('fs.find-delete', { command: ['find'], any: ['-delete'], bundled: false });
    expect(ruleIds([r], line('find /srv -name *.log -delete'))).toEqual(['fs.find-delete']);
    expect(ruleIds([r], line('find /srv -name x -d -e -l'))).toEqual([]);
  });

  it('none excludes, e.g. --force-with-lease', () => {
    const r = rule('git.force-push', { command: ['git'], sub: ['push'], any: ['-f|--force'], none: ['--force-with-lease|--dry-run'] });
    expect(ruleIds([r], line('git push -f origin main'))).toEqual(['git.force-push']);
    expect(ruleIds([r], line('git push --force --force-with-lease origin main'))).toEqual([]);
    expect(ruleIds([r], line('git push --force --force-with-lease=main origin main'))).toEqual([]);
  });
});

describe('sub-commands', () => {
  const kdel = rule('k8s.delete', { command: ['kubectl'], sub: ['delete|del'] }, { target: { from: 'flag', flag: '-n|--namespace' } });
  const push = rule('git.push', { command: ['git'], sub: ['push'] }, { target: { from: 'positional', index: 0 } });

  it('skips flags and their values before the sub-command', () => {
    expect(ruleIds([kdel], line('kubectl -n prod delete pod x'))).toEqual(['k8s.delete']);
    expect(ruleIds([kdel], line('kubectl --context=eu --namespace prod delete ns x'))).toEqual(['k8s.delete']);
    expect(ruleIds([push], line('git -C /srv/repo push origin main'))).toEqual(['git.push']);
    expect(ruleIds([push], line('git -c user.name=x push origin main'))).toEqual(['git.push']);
  });

  it('needs the words in leading position', () => {
    expect(ruleIds([kdel], line('kubectl get pods delete'))).toEqual([]);
    expect(ruleIds([push], line('git log push'))).toEqual([]);
  });

  it('extracts flag values and positionals as targets', () => {
    expect(matches([kdel], line('kubectl delete -n payments deploy api'))[0]).toMatchObject({ target: 'payments', confirm: 'payments' });
    expect(matches([kdel], line('kubectl delete --namespace=payments deploy api'))[0]).toMatchObject({ target: 'payments' });
    expect(matches([kdel], line('kubectl delete -npayments deploy api'))[0]).toMatchObject({ target: 'payments' });
    expect(matches([push], line('git push production main'))[0]).toMatchObject({ target: 'production', confirm: 'production' });
  });

  it('matches multi-word sub-commands', () => {
    const r = rule('cloud.s3-rm', { command: ['aws'], sub: ['s3', 'rm'], any: ['--recursive'] }, { target: { from: 'lastArg' } });
    expect(matches([r], line('aws --profile prod s3 rm s3://bucket/path --recursive'))[0]).toMatchObject({ target: 's3://bucket/path' });
    expect(ruleIds([r], line('aws s3 ls s3://bucket --recursive'))).toEqual([]);
  });
});

describe('args, notArgs and targets', () => {
  const chmod = rule(
    'fs.chmod-system',
    { command: ['chmod', 'chown'], any: ['-R|--recursive'], args: '(?:^|\\s)(/(?:etc|usr|var|bin)?)(?:/|\\s|$)', notArgs: '/var/tmp' },
    { target: { from: 'capture', kind: 'path' } },
  );

  it('args regex over the joined arguments, case-insensitive, capture as target', () => {
    expect(matches([chmod], line('chmod -R 777 /etc/ssl'))[0]).toMatchObject({ target: '/etc', confirm: 'etc' });
    expect(ruleIds([chmod], line('chmod -R 777 ./build'))).toEqual([]);
    expect(ruleIds([chmod], line('chmod -R 777 /var/tmp/x'))).toEqual([]);
  });

  it('path targets become a basename, `*` and `.` the working directory, `/` stays', () => {
    expect(matches([rmrf], line('rm -rf /srv/data/'))[0]!.confirm).toBe('data');
    expect(matches([rmrf], line('rm -rf *'))[0]!.confirm).toBe('app');
    expect(matches([rmrf], line('rm -rf ./*'))[0]!.confirm).toBe('app');
    expect(matches([rmrf], line('rm -rf /'))[0]!.confirm).toBe('/');
  });

  it('falls back to the host name when the target is unknown or only known at run time', () => {
    expect(matches([rmrf], line('rm -rf $DIR'))[0]).toMatchObject({ target: '$DIR', confirm: 'web1' });
    const reboot = rule('system.reboot', { command: ['reboot'] }, { target: { from: 'host' } });
    expect(matches([reboot], line('reboot'))[0]).toMatchObject({ target: null, confirm: 'web1' });
  });

  it('command globs such as mkfs.*', () => {
    const r = rule('fs.mkfs', { command: ['mkfs', 'mkfs.*'] });
    expect(ruleIds([r], line('mkfs.ext4 /dev/sdb1'))).toEqual(['fs.mkfs']);
    expect(ruleIds([r], line('mkfs -t xfs /dev/sdb1'))).toEqual(['fs.mkfs']);
    expect(ruleIds([r], line('mk /dev/sdb1'))).toEqual([]);
  });
});

describe('rules without a command keyword are always evaluated', () => {
  it('a custom statement rule with no keyword fires', () => {
    const r = rule('custom.drop-orders', { statement: '^drop\\s+table\\s+(\\S+)' }, { target: { from: 'capture' } });
    const parsed = withStatements(line('psql -c x'), { dialect: 'sql', client: 'psql', text: 'DROP TABLE "orders"' });
    expect(matches([r], parsed)).toMatchObject([{ rule: 'custom.drop-orders', target: 'orders', confirm: 'orders', command: 'DROP TABLE "orders"' }]);
  });

  it('a custom envRef rule with no keyword fires on any command', () => {
    const r = rule('custom.secret-ref', { envRef: 'PASSWORD|SECRET' });
    expect(ruleIds([r], line('echo $DB_PASSWORD'))).toEqual(['custom.secret-ref']);
    expect(ruleIds([r], line('mytool --x ${API_SECRET}'))).toEqual(['custom.secret-ref']);
    expect(ruleIds([r], line('echo $HOME'))).toEqual([]);
  });

  it('envRef combined with a command keyword', () => {
    const r = rule('secrets.echo', { command: ['echo', 'printf'], envRef: 'TOKEN' });
    expect(ruleIds([r], line('echo $GITHUB_TOKEN'))).toEqual(['secrets.echo']);
    expect(ruleIds([r], line('curl -H $GITHUB_TOKEN x'))).toEqual([]);
  });

  it('statement rules respect dialect and client restrictions', () => {
    const flush = rule('nosql.flushall', { statement: '^flushall\\b', dialect: ['redis'] });
    const onlyMysql = rule('sql.mysql-only', { command: ['mysql'], statement: '^drop' });
    const redisLine = withStatements(line('redis-cli'), { dialect: 'redis', client: 'redis-cli', text: 'FLUSHALL' });
    const sqlLine = withStatements(
      line('psql'),
      { dialect: 'sql', client: 'psql', text: 'flushall' },
      { dialect: 'sql', client: 'psql', text: 'DROP TABLE x' },
    );
    expect(ruleIds([flush, onlyMysql], redisLine)).toEqual(['nosql.flushall']);
    expect(ruleIds([flush, onlyMysql], sqlLine)).toEqual([]);
  });
});

describe('the statement filter (one alternation of every statement rule)', () => {
  // Rules with backreferences and named groups join the filter as a looser alternative; the rule
  // itself still decides, so a near miss matches nothing and the real thing matches.
  const tautology = rule('custom.where-tautology', { statement: "^delete from (\\S+) where '(\\w*)' ?= ?'\\2'$" }, { target: { from: 'capture' } });
  const named = rule('custom.same-name', { statement: '^drop table (?<t>\\w+) cascade -- (\\k<t>)$' });
  const plain = rule('custom.truncate', { statement: '^truncate (\\S+)' });
  const stmts = (...texts: string[]) => withStatements(line('psql'), ...texts.map((text) => ({ dialect: 'sql' as const, client: 'psql', text })));

  it.each([
    ["DELETE FROM t WHERE 'a' = 'a'", ['custom.where-tautology']],
    ["DELETE FROM t WHERE 'a' = 'b'", []],
    ['DROP TABLE x CASCADE -- x', ['custom.same-name']],
    ['DROP TABLE x CASCADE -- y', []],
    ['TRUNCATE t', ['custom.truncate']],
    ['SELECT 1', []],
  ])('%s', (text, ids) => {
    expect(ruleIds([tautology, named, plain], stmts('SELECT 0', text, 'SELECT 2'))).toEqual(ids);
  });
});

describe('engine rules: fail closed on what cannot be read', () => {
  it('a dynamic program name with destructive-looking arguments', () => {
    expect(ruleIds([], line(cmd('$RM -rf /srv/data')))).toEqual(['engine.dynamic-command']);
    expect(ruleIds([], line(cmd('$EDITOR notes.txt')))).toEqual([]);
    expect(ruleIds([], line(cmd('$GREP -r TODO src')))).toEqual([]);
    expect(ruleIds([], line(cmd('$GIT reset --hard HEAD~1')))).toEqual(['engine.dynamic-command']);
  });

  it('a parse problem in a destructive-looking line', () => {
    const bad = { commands: [], statements: [], problems: ['unbalanced quote'] };
    const ev = createEvaluator(config(), { catalog: false, hostname: 'web1' });
    const v = ev.analyze({ line: 'rm -rf "/srv/data', env: PROD }, bad).verdict;
    expect(v).toMatchObject({ verdict: 'confirm', confirm: 'web1', problems: ['unbalanced quote'] });
    expect(v.matches.map((m) => m.rule)).toEqual(['engine.unparsable']);
    expect(ev.analyze({ line: 'echo "hello', env: PROD }, bad).verdict.verdict).toBe('allow');
  });
});

describe('rule compilation', () => {
  it('a bad custom regex names the rule', () => {
    const r = rule('custom.bad', { command: ['x'], args: '(' });
    expect(() => createEvaluator(config({ rules: { custom: [r] } }), { catalog: false })).toThrow(
      /rule custom\.bad in config rules\.custom\[0\]: match\.args: invalid regular expression/,
    );
  });

  it('a bad catalog file fails loudly naming the file and the rule id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-catalog-'));
    const good = rule('fs.ok', { command: ['rm'] });
    writeFileSync(
      join(dir, 'fs.json'),
      JSON.stringify({ domain: 'fs', description: 'd', rules: [good, { ...good, id: 'fs.broken', severity: 'huge' }] }),
    );
    expect(() => loadCatalog(dir)).toThrow(/fs\.json rule fs\.broken: rules\.1\.severity/);
    writeFileSync(
      join(dir, 'fs.json'),
      JSON.stringify({ domain: 'fs', description: 'd', rules: [good, { ...good, id: 'fs.re', match: { command: ['x'], statement: '[' } }] }),
    );
    expect(() => loadCatalog(dir)).toThrow(/rule fs\.re in .*fs\.json: match\.statement: invalid regular expression/);
    writeFileSync(join(dir, 'fs.json'), JSON.stringify({ domain: 'fs', description: 'd', rules: [good] }));
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ domain: 'other', description: 'd', rules: [good] }));
    expect(() => loadCatalog(dir)).toThrow(/rule fs\.ok in .*other\.json: duplicate id \(also in .*fs\.json\)/);
  });

  it('the shipped catalog loads and every rule compiles', () => {
    const catalog = loadCatalog();
    expect(catalog.compiled.length).toBe(catalog.rules.length);
    for (const d of catalog.domains) expect(d.count).toBeGreaterThan(0);
  });
});
