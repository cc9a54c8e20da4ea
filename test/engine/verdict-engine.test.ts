import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../daemon/engine/index.js';
import { VerdictSchema } from '../../daemon/contract/verdict.js';
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
    expect(engine.evaluate({ line: 'DRY_RUN=1 rm -rf /x', env: PROD })).toMatchObject({ verdict: 'allow', dryRun: true });
    expect(engine.evaluate({ line: 'rm -rf /x', env: { ...PROD, PRODGUARD_DISABLE: '1' } })).toMatchObject({ verdict: 'allow', disabled: true });
  });
});

describe('statements typed inside a client (wrap)', () => {
  const st = (line: string, dialect: 'sql' | 'redis' | 'mongo', client: string) => engine.evaluate({ line, env: PROD, statement: { dialect, client } });

  it('are split and matched by statement rules only', () => {
    expect(st('SELECT 1; DROP TABLE IF EXISTS "orders";', 'sql', 'psql')).toMatchObject({ verdict: 'confirm', confirm: 'orders', matches: [{ rule: 't.drop', command: 'DROP TABLE IF EXISTS "orders"' }] });
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
  const shellish = fc.array(fc.oneof(fc.constantFrom('rm', '-rf', '$(', ')', '`', '"', "'", '|', '&&', ';', '\\', '<<EOF', 'bash -c', 'sudo', '$RM', '{', '}', 'psql -c', 'DROP TABLE t', '\n', ' '), fc.string({ maxLength: 8, unit: 'binary' })), { maxLength: 40 }).map((p) => p.join(' '));

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
