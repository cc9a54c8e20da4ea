import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { VerdictSchema } from '../../daemon/contract/verdict.js';
import { openStore } from '../../daemon/store/index.js';
import { cliMain } from '../helpers/daemon.js';
import { caseInput, loadCasesFiles } from './cases.js';

// The built CLI as a scorer, a CI job or a user drives it (issue 15): `check --batch` over stdin,
// and the one-line errors for rule ids that name no rule (`rules.disabled`, `log --rule`), plus
// the examples `rules --help` prints.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { home: string; stdin?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', PRODGUARD_HOME: opts.home };
    const p = spawn(process.execPath, [cliMain, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.on('error', () => {}); // the CLI may exit (a usage error) before reading everything
    p.stdin.end(opts.stdin ?? '');
  });
}

const homes: string[] = [];
function home(config?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-batch-'));
  homes.push(dir);
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
afterAll(() => homes.forEach((d) => rmSync(d, { recursive: true, force: true })));

const lines = (s: string): unknown[] =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe('prodguard check --batch', () => {
  test('one verdict per input line, in order; a bad line gets an error object on its own line', async () => {
    const input = [
      JSON.stringify({ line: 'ls -la' }),
      'this is not JSON',
      JSON.stringify({ line: 'DROP TABLE users;', dialect: 'sql' }),
      '',
      JSON.stringify({ line: 'kubectl delete namespace payments', rules: ['ignored'], note: 'extra keys are ignored' }),
      JSON.stringify({ command: 'rm -rf /srv' }),
      JSON.stringify({ line: 'FLUSHALL', dialect: 'cassandra' }),
      JSON.stringify({ line: 'git push --force origin main' }),
    ].join('\n');
    const r = await run(['check', '--batch', '--env', 'production'], { home: home(), stdin: `${input}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2); // some input lines were invalid; every one still got its output line
    const out = lines(r.stdout) as Array<Record<string, unknown>>;
    expect(out).toHaveLength(8);
    expect(VerdictSchema.parse(out[0]).verdict).toBe('allow');
    expect(out[1]).toMatchObject({ input: 2, error: expect.stringMatching(/^prodguard: input line 2: invalid JSON/) });
    expect(VerdictSchema.parse(out[2]).matches.map((m) => m.rule)).toContain('sql.drop-table');
    expect(out[3]).toMatchObject({ input: 4 });
    expect(VerdictSchema.parse(out[4]).matches.map((m) => m.rule)).toContain('kubernetes.delete-namespace');
    expect(out[5]).toMatchObject({ input: 6, error: expect.stringContaining('line:') });
    expect(out[6]).toMatchObject({ input: 7, error: expect.stringContaining('dialect') });
    expect(VerdictSchema.parse(out[7]).verdict).toBe('confirm');
  });

  test('exit 0 when every line is valid; the same verdicts as `check --json` line by line', async () => {
    const h = home();
    const sample = ['rm -rf /srv/data', 'echo hello', 'terraform destroy -auto-approve', 'DRY_RUN=1 rm -rf /srv/data'];
    const r = await run(['check', '--batch', '--env', 'production'], { home: h, stdin: sample.map((line) => JSON.stringify({ line })).join('\n') });
    expect(r.code).toBe(0);
    const batch = lines(r.stdout);
    for (const [i, line] of sample.entries()) {
      const one = await run(['check', '--json', '--env', 'production', '--', line], { home: h });
      expect(batch[i], line).toEqual(JSON.parse(one.stdout));
    }
  });

  test('the whole per-domain corpus in one process: the same matches as the in-process engine', async () => {
    const cases = loadCasesFiles().flatMap((f) => f.cases);
    const stdin = cases.map((c) => JSON.stringify(c.dialect ? { line: c.line, dialect: c.dialect } : { line: c.line })).join('\n');
    const r = await run(['check', '--batch', '--env', 'production'], { home: home(), stdin: `${stdin}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout).map((o) => VerdictSchema.parse(o));
    expect(out).toHaveLength(cases.length);
    const engine = createEngine(defaultConfig());
    const differ = cases.filter((c, i) => {
      const want = engine.evaluate(caseInput(c));
      return (
        JSON.stringify([want.verdict, want.matches.map((m) => m.rule)]) !== JSON.stringify([out[i]!.verdict, out[i]!.matches.map((m) => m.rule)])
      );
    });
    expect(differ.map((c) => c.line)).toEqual([]);
  });

  test('--batch with a command line is a usage error', async () => {
    const both = await run(['check', '--batch', '--', 'ls'], { home: home() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^prodguard: check --batch reads the lines from stdin[^\n]*\n$/);
    expect(both.stdout).toBe('');
  });
});

describe('rule ids that name no rule', () => {
  test('rules.disabled: one line naming the closest id, exit 7 (config)', async () => {
    const r = await run(['config', 'check'], { home: home({ rules: { disabled: ['filesystem.rm-recursive', 'git.push-forse'] } }) });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      /^prodguard: config \S+: rules\.disabled\[1\]: unknown rule id "git\.push-forse": the closest is git\.push-force \(prodguard rules list shows them all\)\n$/,
    );
    // The same line when a command needs the config.
    const check = await run(['check', '--', 'ls'], { home: home({ rules: { disabled: ['fs.rm-recursive'] } }) });
    expect(check.code).toBe(7);
    expect(check.stderr).toContain('the closest is filesystem.rm-recursive');
  });

  test('rules.disabled: a custom rule id and an engine rule id are known ids', async () => {
    const custom = {
      id: 'acme.deploy',
      domain: 'acme',
      severity: 'medium',
      reason: 'deploys',
      alternative: 'use the pipeline',
      match: { command: ['deploy'] },
    };
    const r = await run(['config', 'check'], { home: home({ rules: { custom: [custom], disabled: ['acme.deploy', 'engine.dynamic-command'] } }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('log --rule: an unknown id with no records is one line naming the closest id (exit 2); a known id is fine', async () => {
    const h = home();
    openStore(join(h, 'audit.db')).close();
    const bad = await run(['log', '--rule', 'kubernetes.delete-namespce'], { home: h });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'prodguard: unknown rule id "kubernetes.delete-namespce": the closest is kubernetes.delete-namespace (prodguard rules list shows them all)\n',
    );
    const good = await run(['log', '--rule', 'kubernetes.delete-namespace', '--json'], { home: h });
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual([]);
  });

  test('every example `rules --help` prints runs and exits 0', async () => {
    const h = home();
    const help = await run(['rules', '--help'], { home: h });
    const examples = help.stdout
      .split('Examples:')[1]!
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('prodguard '));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const ex of examples) {
      const r = await run(ex.split(/\s+/).slice(1), { home: h });
      expect(r.stderr, ex).toBe('');
      expect(r.code, ex).toBe(0);
    }
  });
});
