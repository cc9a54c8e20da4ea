import { describe, expect, it } from 'vitest';
import { createEvaluator, type EvaluatorOptions } from '../../daemon/engine/verdict/evaluate.js';
import { VerdictSchema } from '../../daemon/contract/verdict.js';
import type { ParsedLine } from '../../daemon/engine/parse/types.js';
import { PROD, cmd, config, line, rule, withStatements } from './helpers.js';

// Verdict semantics: production gating, policy and rule actions, dry runs, the disable switch,
// allowlist entries with expiry, and the confirmation phrase.

const rules = [
  rule('fs.rm-rf', { command: ['rm'], all: ['-r|-R', '-f'] }, { severity: 'high', target: { from: 'lastArg', kind: 'path' } }),
  rule('system.reboot', { command: ['reboot'] }, { severity: 'medium', target: { from: 'host' } }),
  rule('fs.mkfs', { command: ['mkfs'] }, { severity: 'critical' }),
  rule('git.push', { command: ['git'], sub: ['push'] }, { severity: 'medium', target: { from: 'positional', index: 0 } }),
  rule('k8s.delete', { command: ['kubectl'], sub: ['delete'] }, { severity: 'high', target: { from: 'flag', flag: '-n|--namespace' } }),
  rule('tf.destroy', { command: ['terraform'], sub: ['destroy|plan'] }, { severity: 'high' }),
  rule('sync.delete', { command: ['rsync'], any: ['--delete'] }, { severity: 'high' }),
  rule('sql.drop-table', { statement: '^drop\\s+table\\s+(\\S+)' }, { severity: 'high', target: { from: 'capture' } }),
];

function verdict(
  parsed: ParsedLine,
  env: Record<string, string> = PROD,
  extra: Record<string, unknown> = {},
  opts: EvaluatorOptions = {},
  text = 'line',
) {
  const ev = createEvaluator(config({ rules: { custom: rules }, ...extra }), { catalog: false, hostname: 'web1', ...opts });
  const v = ev.analyze({ line: text, env, cwd: '/srv/app' }, parsed).verdict;
  expect(VerdictSchema.parse(v)).toEqual(v);
  return v;
}

describe('policy', () => {
  it('confirm for high in production, with the most specific phrase', () => {
    expect(verdict(line('rm -rf /srv/data'))).toMatchObject({
      verdict: 'confirm',
      severity: 'high',
      confirm: 'data',
      dryRun: false,
      disabled: false,
    });
  });

  it('block for critical by default, confirm phrase null', () => {
    expect(verdict(line('mkfs /dev/sdb'))).toMatchObject({ verdict: 'block', severity: 'critical', confirm: null });
  });

  it('the highest action wins over a line; the phrase comes from the most severe match with a target', () => {
    const v = verdict(line('git push production main', 'kubectl delete -n payments deploy api', 'reboot'));
    expect(v.verdict).toBe('confirm');
    expect(v.severity).toBe('high');
    expect(v.confirm).toBe('payments');
    expect(v.matches.map((m) => m.rule)).toEqual(['git.push', 'k8s.delete', 'system.reboot']);
    expect(v.matches.find((m) => m.rule === 'system.reboot')!.confirm).toBe('web1');
  });

  it('a real target beats the host name even from a less severe match', () => {
    expect(verdict(line('rm -rf $DIR', 'git push production main'))).toMatchObject({ verdict: 'confirm', severity: 'high', confirm: 'production' });
    expect(verdict(line('rm -rf $DIR', 'reboot'))).toMatchObject({ confirm: 'web1' });
  });

  it('configured policy and a rule action override', () => {
    expect(verdict(line('rm -rf /x'), PROD, { policy: { high: 'block' } }).verdict).toBe('block');
    expect(verdict(line('reboot'), PROD, { policy: { medium: 'allow' } }).verdict).toBe('allow');
    const custom = [rule('fs.mkfs', { command: ['mkfs'] }, { severity: 'critical', action: 'confirm' })];
    const ev = createEvaluator(config({ rules: { custom } }), { catalog: false, hostname: 'web1' });
    expect(ev.analyze({ line: 'mkfs', env: PROD }, line('mkfs /dev/sdb')).verdict).toMatchObject({ verdict: 'confirm', confirm: 'web1' });
  });

  it('outside production the verdict is allow but matches are reported', () => {
    const v = verdict(line('rm -rf /srv/data'), { ENV: 'staging' });
    expect(v).toMatchObject({ verdict: 'allow', severity: 'high', confirm: null, production: { active: false, signal: null, env: 'staging' } });
    expect(v.matches).toHaveLength(1);
  });

  it('nothing matched: allow with null severity', () => {
    expect(verdict(line('ls -la'))).toMatchObject({ verdict: 'allow', severity: null, matches: [], confirm: null });
  });

  it('disabled rules are skipped', () => {
    expect(verdict(line('rm -rf /x'), PROD, { rules: { disabled: ['fs.rm-rf'] } }).matches).toEqual([]);
  });

  it('a custom rule with a catalog id replaces the catalog rule', () => {
    const catalog = createEvaluator(config(), { hostname: 'web1' });
    const id = catalog.analyze({ line: 'rm -rf /srv/data', env: PROD }, line('rm -rf /srv/data')).verdict.matches[0]!.rule;
    const tuned = createEvaluator(config({ rules: { custom: [rule(id, { command: ['rm'], all: ['--i-am-sure'] }, { severity: 'low' })] } }), {
      hostname: 'web1',
    });
    expect(tuned.rules.filter((r) => r.id === id)).toHaveLength(1);
    expect(tuned.analyze({ line: 'x', env: PROD }, line('rm -rf /srv/data')).verdict.matches.map((m) => m.rule)).not.toContain(id);
    expect(tuned.analyze({ line: 'x', env: PROD }, line('rm --i-am-sure /srv/data')).verdict.matches).toMatchObject([{ rule: id, severity: 'low' }]);
  });

  it('statement matches take their phrase from the capture', () => {
    const parsed = withStatements(line('psql -c x'), { dialect: 'sql', client: 'psql', text: 'DROP TABLE users' });
    expect(verdict(parsed)).toMatchObject({ verdict: 'confirm', confirm: 'users' });
  });
});

describe('PRODGUARD_DISABLE', () => {
  it('turns the verdict to allow and says so', () => {
    const v = verdict(line('rm -rf /x'), { ...PROD, PRODGUARD_DISABLE: '1' });
    expect(v).toMatchObject({ verdict: 'allow', disabled: true, severity: 'high' });
    expect(v.matches).toHaveLength(1);
  });
});

describe('dry runs', () => {
  it.each([
    ['terraform plan -destroy', 'tf.destroy'],
    ['kubectl delete deploy api --dry-run=server', 'k8s.delete'],
    ['kubectl delete deploy api --dry-run=client', 'k8s.delete'],
    ['git push --dry-run production main', 'git.push'],
    ['git push -n production main', 'git.push'],
    ['rsync -avn --delete a/ b/', 'sync.delete'],
    ['rsync --dry-run --delete a/ b/', 'sync.delete'],
  ])('%s is a dry run: allow, still reported', (text, id) => {
    const v = verdict(line(text));
    expect(v).toMatchObject({ verdict: 'allow', dryRun: true });
    expect(v.matches.map((m) => m.rule)).toEqual([id]);
  });

  it.each([
    'kubectl delete deploy api --dry-run=none',
    'DRY_RUN=0 rm -rf /x',
    'terraform destroy',
    'rsync -av --delete a/ b/',
    // Known programs read no DRY_RUN variable: the prefix changes nothing.
    'DRY_RUN=1 rm -rf /x',
    'DRY_RUN=true rm -rf /x',
    'DRY_RUN=1 git push production main',
    'DRY_RUN=1 terraform destroy',
    'DRY_RUN=1 kubectl delete deploy api',
    'DRY_RUN=yes rsync -av --delete a/ b/',
  ])('%s is not', (text) => {
    expect(verdict(line(text))).toMatchObject({ verdict: 'confirm', dryRun: false });
  });

  it('a dry run only covers its own command', () => {
    expect(verdict(line('DRY_RUN=1 ./deploy.sh', 'rm -rf /x'))).toMatchObject({ verdict: 'confirm', dryRun: false });
    expect(verdict(line('DRY_RUN=1 ./deploy.sh'))).toMatchObject({ verdict: 'allow', dryRun: true });
  });
});

describe('allowlist', () => {
  const now = () => Date.parse('2026-06-01T12:00:00Z');
  const entry = (more: Record<string, unknown>) => ({ allowlist: [{ pattern: '^rm -rf /tmp/build', reason: 'build cache', ...more }] });

  it('a matching entry lets the line through and is reported', () => {
    const v = verdict(line('rm -rf /tmp/build'), PROD, entry({}), { now }, 'rm -rf /tmp/build');
    expect(v).toMatchObject({ verdict: 'allow', allowlisted: '^rm -rf /tmp/build: build cache' });
    expect(v.matches).toHaveLength(1);
  });

  it('an expired entry is ignored; a date expiry lasts through that day', () => {
    expect(verdict(line('rm -rf /tmp/build'), PROD, entry({ expires: '2026-05-31' }), { now }, 'rm -rf /tmp/build')).toMatchObject({
      verdict: 'confirm',
      allowlisted: null,
    });
    expect(verdict(line('rm -rf /tmp/build'), PROD, entry({ expires: '2026-06-01' }), { now }, 'rm -rf /tmp/build').verdict).toBe('allow');
    expect(verdict(line('rm -rf /tmp/build'), PROD, entry({ expires: '2026-06-01T11:00:00Z' }), { now }, 'rm -rf /tmp/build').verdict).toBe(
      'confirm',
    );
  });

  it('an entry restricted to a rule leaves other matches in force', () => {
    const parsed = line('rm -rf /tmp/build', 'reboot');
    const v = verdict(parsed, PROD, entry({ rule: 'fs.rm-rf' }), { now }, 'rm -rf /tmp/build; reboot');
    expect(v).toMatchObject({ verdict: 'confirm', confirm: 'web1' });
    expect(v.allowlisted).toContain('build cache');
  });

  it('exact entries compare the whole line', () => {
    const cfg = { allowlist: [{ pattern: 'rm -rf /tmp/build', exact: true, reason: 'r' }] };
    expect(verdict(line('rm -rf /tmp/build'), PROD, cfg, {}, 'rm -rf /tmp/build').verdict).toBe('allow');
    expect(verdict(line('rm -rf /tmp/build2'), PROD, cfg, {}, 'rm -rf /tmp/build2').verdict).toBe('confirm');
  });
});

describe('redaction in the verdict', () => {
  it('redacts the line and the command text of matches', () => {
    const parsed = line(cmd('rm -rf /x', { source: 'PGPASSWORD=hunter2 rm -rf /x' }));
    const v = verdict(parsed, PROD, {}, {}, 'PGPASSWORD=hunter2 rm -rf /x');
    expect(v.redacted).toBe('PGPASSWORD=*** rm -rf /x');
    expect(v.matches[0]!.command).toBe('PGPASSWORD=*** rm -rf /x');
    expect(JSON.stringify(v)).not.toContain('hunter2');
  });
});
