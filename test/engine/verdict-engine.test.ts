import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../daemon/engine/index.js';
import { VerdictSchema } from '../../daemon/contract/verdict.js';
import { verdictMessage } from '../../daemon/engine/verdict/message.js';
import { PROD, config, rule } from './helpers.js';

// The engine end to end with the real parser: unwrapping reaches the rules, statements typed in a
// client are matched by statement rules only, and hostile input always gets a verdict.

const rules = [
  rule('t.rm-rf', { command: ['rm'], all: ['-r|-R', '-f'] }, { target: { from: 'lastArg', kind: 'path' } }),
  rule('t.redis-flushall', { command: ['redis-cli'], args: '(^|\\s)flushall\\b' }),
  rule('t.drop', { statement: '^drop\\s+(?:table|database)\\s+(?:if\\s+exists\\s+)?(\\S+)' }, { target: { from: 'capture' } }),
  rule('t.flushall', { statement: '^flushall\\b', dialect: ['redis'] }, { severity: 'critical', action: 'confirm' }),
  rule('t.secret-echo', { command: ['echo', 'printf'], envRef: 'PASSWORD|SECRET|TOKEN' }, { severity: 'medium' }),
];
const engine = createEngine(config({ rules: { custom: rules } }), { hostname: 'web1', catalog: false });
const ids = (line: string, env: Record<string, string> = PROD) => engine.evaluate({ line, env }).matches.map((m) => m.rule);

describe('through the parser', () => {
  it.each([
    'sudo -u root rm -rf /srv/data',
    'env FOO=1 rm -rf /srv/data',
    'true && /bin/rm -rf /srv/data',
    "r''m -rf /srv/data",
    '\\rm -rf /srv/data',
    'bash -c "rm -rf /srv/data"',
    'ssh web1 "rm -rf /srv/data"',
    'echo x | xargs rm -rf /srv/data',
    'for d in a b; do rm -rf /srv/data; done',
  ])('%s', (line) => expect(ids(line)).toEqual(['t.rm-rf']));

  it('data is not a command', () => {
    expect(ids('git commit -m "rm -rf /srv/data"')).toEqual([]);
    expect(ids('grep "DROP DATABASE" schema.sql')).toEqual([]);
  });

  it('statements carried by clients', () => {
    expect(engine.evaluate({ line: 'psql -c "DROP TABLE users"', env: PROD })).toMatchObject({ verdict: 'confirm', confirm: 'users' });
    expect(ids('echo $DB_PASSWORD')).toEqual(['t.secret-echo']);
  });

  it('PRODGUARD_DISABLE and dry runs with the real parser', () => {
    expect(engine.evaluate({ line: 'DRY_RUN=1 rm -rf /x', env: PROD })).toMatchObject({ verdict: 'confirm', dryRun: false });
    expect(engine.evaluate({ line: 'DRY_RUN=1 ./team-script.sh --purge', env: PROD })).toMatchObject({ verdict: 'allow', dryRun: true });
    expect(engine.evaluate({ line: 'rm -rf /x', env: { ...PROD, PRODGUARD_DISABLE: '1' } })).toMatchObject({ verdict: 'allow', disabled: true });
  });
});

describe('statements typed inside a client (wrap)', () => {
  const st = (line: string, dialect: 'sql' | 'redis' | 'mongo', client: string) =>
    engine.evaluate({ line, env: PROD, statement: { dialect, client } });

  it('are split and matched by statement rules only', () => {
    expect(st('SELECT 1; DROP TABLE IF EXISTS "orders";', 'sql', 'psql')).toMatchObject({
      verdict: 'confirm',
      confirm: 'orders',
      matches: [{ rule: 't.drop', command: 'DROP TABLE IF EXISTS "orders"' }],
    });
    expect(st('FLUSHALL', 'redis', 'redis-cli').matches.map((m) => m.rule)).toEqual(['t.flushall']);
    // `rm -rf /x` typed into psql is SQL text, not a shell command.
    expect(st('rm -rf /x', 'sql', 'psql').matches).toEqual([]);
    expect(st('SELECT * FROM users', 'sql', 'psql').verdict).toBe('allow');
  });
});

describe('hostile input gets a verdict', () => {
  const check = (line: string) => {
    const v = engine.evaluate({ line, env: PROD });
    expect(VerdictSchema.parse(v)).toEqual(v);
    return v;
  };

  it('command names that are Object.prototype members (found by the property test below)', () => {
    for (const name of ['valueOf', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const v = engine.evaluate({ line: `${name} -rf x`, env: PROD });
      expect(VerdictSchema.safeParse(v).success).toBe(true);
    }
  });

  it('empty and blank lines', () => {
    expect(check('')).toMatchObject({ verdict: 'allow', matches: [] });
    expect(check('   \n\t ')).toMatchObject({ verdict: 'allow', matches: [] });
  });

  it('a 1 MB line', () => {
    const v = check(`echo ${'a'.repeat(1024 * 1024)} && rm -rf /srv/data`);
    expect(v.verdict).toBe('confirm');
    expect(v.redacted.length).toBeGreaterThan(1024 * 1024);
    for (const m of v.matches) expect(m.command.length).toBeLessThan(1024);
  });

  it('unbalanced quotes fail closed when destructive-looking', () => {
    const v = check('rm -rf "/srv/data');
    expect(v.verdict).toBe('confirm');
    expect(v.problems.length).toBeGreaterThan(0);
    expect(v.matches.map((m) => m.rule)).toContain('engine.unparsable');
    expect(check('echo "hello').verdict).toBe('allow');
  });

  it('$( nested 1,000 deep: bounded matches, fails closed', () => {
    const v = check(`${'$('.repeat(1000)}rm -rf /srv/data${')'.repeat(1000)}`);
    expect(v.verdict).toBe('confirm');
    expect(v.matches.length).toBeLessThanOrEqual(64);
  });

  it('binary bytes and invalid UTF-8', () => {
    check(Buffer.from([0x72, 0x6d, 0x20, 0x2d, 0x72, 0x66, 0x20, 0x2f, 0x78, 0x00, 0xff, 0xfe, 0xc3, 0x28]).toString('utf8'));
    check('rm -rf /x\ud800\udfff\ud800');
    check('\x00\x01\x02\x1b[31m');
  });

  it('a program name computed at run time with destructive arguments', () => {
    expect(check('$RM -rf /srv/data')).toMatchObject({ verdict: 'confirm', confirm: 'web1' });
    expect(check('$(echo rm) -rf /srv/data').verdict).toBe('confirm');
    expect(check('$EDITOR notes.txt').verdict).toBe('allow');
  });
});

describe('properties (fast-check)', () => {
  const shellish = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'rm',
          '-rf',
          '$(',
          ')',
          '`',
          '"',
          "'",
          '|',
          '&&',
          ';',
          '\\',
          '<<EOF',
          'bash -c',
          'sudo',
          '$RM',
          '{',
          '}',
          'psql -c',
          'DROP TABLE t',
          '\n',
          ' ',
        ),
        fc.string({ maxLength: 8, unit: 'binary' }),
      ),
      { maxLength: 40 },
    )
    .map((p) => p.join(' '));

  it('any input gets a schema-valid verdict, with production deciding between allow and the rest', () => {
    fc.assert(
      fc.property(shellish, (line) => {
        const v = engine.evaluate({ line, env: PROD });
        VerdictSchema.parse(v);
        const off = engine.evaluate({ line, env: { ENV: 'dev' } });
        // Outside production: allow, same matches. Inside: anything but allow needs a match and no dry run.
        return off.verdict === 'allow' && off.matches.length === v.matches.length && (v.verdict === 'allow' || (v.matches.length > 0 && !v.dryRun));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('DRY_RUN=1 is a dry run only where the program reads it (issue #13)', () => {
  const ev = (line: string, extra: Record<string, unknown> = {}) => createEngine(config(extra)).evaluate({ line, env: PROD, cwd: '/srv/app' });
  const message = (line: string, extra: Record<string, unknown> = {}) => verdictMessage(ev(line, extra));

  it.each([
    ['rm -rf /srv/data', 'ls -ld /srv/data'],
    ['git push --force production main', 'git push --dry-run --force production main'],
    ['terraform destroy -auto-approve', 'terraform plan -destroy'],
    ['kubectl delete namespace payments', 'kubectl delete --dry-run=server namespace payments'],
    ['helm uninstall api -n prod', 'helm uninstall --dry-run api -n prod'],
    ['rsync -a --delete src/ web1:/srv/', 'rsync -n -a --delete src/ web1:/srv/'],
  ])('%s: the confirmation shows its own dry run, never DRY_RUN=1', (line, form) => {
    const v = ev(line);
    expect(v.verdict).toBe('confirm');
    expect(v.matches[0]!.dryRun).toMatchObject({ form, prefix: 'ignored', prefixSet: false });
    const text = message(line);
    expect(text).toContain(`its dry run is: ${form}`);
    expect(text).not.toContain('DRY_RUN');
  });

  it.each([
    ['DRY_RUN=1 rm -rf /srv/data', 'rm ignores DRY_RUN; its dry run is: ls -ld /srv/data'],
    ['DRY_RUN=1 git push --force production main', 'git ignores DRY_RUN; its dry run is: git push --dry-run --force production main'],
    ['DRY_RUN=true terraform destroy', 'terraform ignores DRY_RUN; its dry run is: terraform plan -destroy'],
    ['DRY_RUN=1 kubectl delete namespace payments', 'kubectl ignores DRY_RUN; its dry run is: kubectl delete --dry-run=server namespace payments'],
  ])('%s asks, as if the prefix were absent, and says the prefix is ignored', (line, says) => {
    const plain = ev(line.replace(/^DRY_RUN=\S+ /, ''));
    const v = ev(line);
    expect(v).toMatchObject({ verdict: 'confirm', dryRun: false, confirm: plain.confirm, severity: plain.severity });
    expect(v.matches.map((m) => m.rule)).toEqual(plain.matches.map((m) => m.rule));
    expect(message(line)).toContain(says);
    expect(message(line)).not.toContain('prefix the line with DRY_RUN=1');
  });

  it('a block is never lifted by a prefix: DRY_RUN=1 mkfs.ext4 /dev/x stays blocked', () => {
    expect(ev('mkfs.ext4 /dev/x')).toMatchObject({ verdict: 'block' });
    const v = ev('DRY_RUN=1 mkfs.ext4 /dev/x');
    expect(v).toMatchObject({ verdict: 'block', dryRun: false });
    expect(message('DRY_RUN=1 mkfs.ext4 /dev/x')).toContain('mkfs.ext4 ignores DRY_RUN; it has no dry run; first: lsblk -f /dev/x');
    // Even for a program that honours it: a custom rule blocking the team's script.
    const custom = {
      rules: {
        custom: [
          {
            id: 'team.nuke',
            domain: 'team',
            severity: 'critical',
            reason: 'wipes the cluster',
            alternative: 'none',
            match: { command: ['nuke.sh'] },
          },
        ],
      },
    };
    expect(ev('DRY_RUN=1 ./nuke.sh', custom)).toMatchObject({ verdict: 'block', dryRun: false });
  });

  it("the team's own script honours it: DRY_RUN=1 ./team-script.sh is a dry run", () => {
    expect(ev('DRY_RUN=1 ./team-script.sh')).toMatchObject({ verdict: 'allow', dryRun: true });
    expect(ev('DRY_RUN=1 bin/deploy production')).toMatchObject({ verdict: 'allow', dryRun: true });
    // A custom rule on the script asks for the real run and offers DRY_RUN=1, which works there.
    const custom = {
      rules: {
        custom: [
          { id: 'team.deploy', domain: 'team', severity: 'high', reason: 'deploys', alternative: 'none', match: { command: ['team-script.sh'] } },
        ],
      },
    };
    expect(ev('./team-script.sh', custom)).toMatchObject({ verdict: 'confirm' });
    expect(message('./team-script.sh', custom)).toContain('dry run: prefix the line with DRY_RUN=1 (./team-script.sh reads it)');
    expect(ev('DRY_RUN=1 ./team-script.sh', custom)).toMatchObject({ verdict: 'allow', dryRun: true });
  });

  it('dryRun.honouredBy / unknownPrograms: only listed commands when unknown programs are off; never a known one', () => {
    const cfg = { dryRun: { unknownPrograms: false, honouredBy: ['./team-script.sh', 'deploy-*', 'rm'] } };
    expect(ev('DRY_RUN=1 ./team-script.sh', cfg)).toMatchObject({ dryRun: true });
    expect(ev('DRY_RUN=1 deploy-api', cfg)).toMatchObject({ dryRun: true });
    expect(ev('DRY_RUN=1 ./other.sh', cfg)).toMatchObject({ dryRun: false });
    expect(ev('DRY_RUN=1 rm -rf /srv/data', cfg)).toMatchObject({ verdict: 'confirm', dryRun: false });
  });

  it("known programs are the catalog's command names, not a hand list", () => {
    const names = [...new Set(createEngine(config()).rules.flatMap((r) => r.match.command ?? []))].filter((x) => /^[a-z][\w.-]*$/.test(x));
    for (const n of ['rm', 'dd', 'git', 'terraform', 'kubectl', 'helm', 'aws', 'gcloud', 'docker', 'rsync', 'find']) expect(names).toContain(n);
    // A custom rule on every one of them (custom rules do not make a program known).
    const every = {
      rules: {
        custom: [
          { id: 'test.every', domain: 'test', severity: 'high', reason: 'r', alternative: 'a', match: { command: [...names, 'team-script.sh'] } },
        ],
      },
    };
    for (const n of names) {
      const m = ev(`DRY_RUN=1 ${n} x`, every).matches.find((x) => x.rule === 'test.every');
      expect({ n, prefix: m?.dryRun.prefix }).toEqual({ n, prefix: 'ignored' });
    }
    expect(ev('DRY_RUN=1 ./team-script.sh x', every).matches.find((x) => x.rule === 'test.every')?.dryRun.prefix).toBe('honoured');
  });
});
