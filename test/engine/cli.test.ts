import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerdictSchema, MatchResultSchema } from '../../daemon/contract/verdict.js';
import { ensureBuilt } from '../helpers/build.js';
import { loadCatalog } from '../../daemon/engine/rules/catalog/index.js';

// The built CLI, run as a user would: `prodguard check|explain|rules|config` with an isolated
// PRODGUARD_HOME whose config disables the whole catalog and adds rules of its own, so these tests
// do not depend on the catalog's contents (one test checks the catalog is on by default).

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let main = join(root, 'dist', 'cli', 'main.js');
/** The private copy's directory, removed after the tests; null until taken. */
let snapshot: string | null = null;

/**
 * A private copy of the built CLI, so a rebuild of dist/ by a parallel run in the same checkout
 * cannot pull files from under these tests. It lives under node_modules/.cache so packages still
 * resolve; a copy taken mid-build fails its smoke run and is taken again (bounded).
 */
function snapshotDist(): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'pg-cli-test-'));
    for (const sub of ['cli', 'daemon']) cpSync(join(root, 'dist', sub), join(dir, sub), { recursive: true });
    const copy = join(dir, 'cli', 'main.js');
    const smoke = spawnSync(process.execPath, [copy, 'rules', 'list', '--json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', PRODGUARD_HOME: dir },
    });
    if (smoke.status === 0) return copy;
    rmSync(dir, { recursive: true, force: true });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  throw new Error('could not take a working copy of dist/ (is a build failing?)');
}

const customRules = [
  {
    id: 'test.rm-rf',
    domain: 'test',
    severity: 'high',
    reason: 'deletes a tree',
    alternative: 'mv it to a trash dir',
    match: { command: ['rm'], all: ['-r|-R', '-f'] },
    target: { from: 'lastArg', kind: 'path' },
  },
  {
    id: 'test.mkfs',
    domain: 'test',
    severity: 'critical',
    reason: 'formats a disk',
    alternative: 'check the device twice',
    match: { command: ['mkfs'] },
  },
  {
    id: 'test.drop-table',
    domain: 'test',
    severity: 'high',
    reason: 'drops a table',
    alternative: 'rename it first',
    match: { statement: '^drop\\s+table\\s+(\\S+)' },
    target: { from: 'capture' },
  },
];

let home: string;
/** Every home a test made, removed after the file. */
const homes: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-cli-'));
  homes.push(dir);
  return dir;
}
function makeHome(config: unknown): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

function run(args: string[], env: Record<string, string> = {}, homeDir = home) {
  // A clean environment: no production variables of the machine leak in.
  const r = spawnSync(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homeDir, PRODGUARD_HOME: homeDir, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** The JSON a command printed; on failure the message carries its stderr and exit status. */
function json(r: ReturnType<typeof run>) {
  try {
    return JSON.parse(r.out);
  } catch {
    throw new Error(`not JSON (exit ${r.code}, signal ${r.signal}): ${JSON.stringify(r.out.slice(0, 200))}; stderr: ${r.err.slice(0, 500)}`);
  }
}

beforeAll(() => {
  ensureBuilt();
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  main = snapshotDist();
  snapshot = dirname(dirname(main));
  home = makeHome({ rules: { custom: customRules, disabled: loadCatalog().rules.map((r) => r.id) } });
});

afterAll(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  if (snapshot) rmSync(snapshot, { recursive: true, force: true });
});

describe('prodguard check', () => {
  it('--json prints exactly one verdict object and exits 3 for confirm', () => {
    const r = run(['check', '--json', '--env', 'production', '--', 'rm', '-rf', '/srv/data']);
    expect(r.code).toBe(3);
    const v = json(r);
    expect(VerdictSchema.parse(v)).toEqual(v);
    expect(Object.keys(v).sort()).toEqual(Object.keys(VerdictSchema.shape).sort());
    expect(Object.keys(v.matches[0]).sort()).toEqual(Object.keys(MatchResultSchema.shape).sort());
    expect(v).toMatchObject({
      verdict: 'confirm',
      severity: 'high',
      confirm: 'data',
      production: { active: true, signal: 'PRODGUARD_ENV=production' },
    });
    expect(v.matches[0]).toMatchObject({ rule: 'test.rm-rf', target: '/srv/data', confirm: 'data', alternative: 'mv it to a trash dir' });
  });

  it('takes the line without `--`: its options are its own once it has begun', () => {
    const plain = run(['check', '--json', '--env', 'production', 'rm', '-rf', '/srv/data']);
    expect(plain.code).toBe(3);
    expect(json(plain)).toMatchObject({ verdict: 'confirm', confirm: 'data' });
    expect(json(run(['explain', '--json', '--env', 'production', 'rm', '-rf', '/srv/data'])).verdict).toMatchObject({ verdict: 'confirm' });
    const unknown = run(['check', '--bogus', 'rm']);
    expect(unknown.code).toBe(2);
  });

  it('reads production from the real environment without --env', () => {
    expect(run(['check', '--json', '--', 'rm -rf /srv/data'], { ENV: 'production' }).code).toBe(3);
    const r = run(['check', '--json', '--', 'rm -rf /srv/data'], { ENV: 'staging' });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ verdict: 'allow', severity: 'high', production: { active: false, env: 'staging' } });
  });

  it('exits 4 for block, 0 for allow, 2 (usage) for no line at all', () => {
    expect(run(['check', '--env', 'production', '--', 'mkfs.ext4', '/dev/sdb1']).code).toBe(0);
    expect(run(['check', '--env', 'production', '--', 'mkfs', '/dev/sdb1']).code).toBe(4);
    const ls = run(['check', '--env', 'production', '--', 'ls', '-la']);
    expect(ls.code, ls.err).toBe(0);
    const empty = run(['check', '--json', '--env', 'production', '--']);
    expect(empty.code).toBe(2);
    expect(empty.err).toBe('prodguard: check needs a command line: prodguard check -- LINE (or --batch to read JSON lines from stdin)\n');
    expect(run(['check']).code).toBe(2);
  });

  it('finds commands the parser unwraps, and statements', () => {
    const r = run(['check', '--json', '--env', 'production', '--', 'sudo bash -c "rm -rf /srv/data" && psql -c "DROP TABLE users"']);
    expect(r.code).toBe(3);
    expect(json(r).matches.map((m: { rule: string }) => m.rule)).toEqual(['test.rm-rf', 'test.drop-table']);
    const st = run(['check', '--json', '--env', 'production', '--statement', 'sql', '--', 'DROP TABLE "orders";']);
    expect(json(st)).toMatchObject({ verdict: 'confirm', confirm: 'orders' });
  });

  it('the catalog is in effect without a config', () => {
    const r = run(['check', '--json', '--env', 'production', '--', 'rm -rf /srv/data'], {}, tempDir());
    expect(r.code).toBe(3);
    expect(json(r).matches.some((m: { domain: string }) => m.domain === 'filesystem')).toBe(true);
  });

  it('data is not a command', () => {
    expect(run(['check', '--env', 'production', '--', 'git commit -m "rm -rf /srv/data"']).code).toBe(0);
  });

  it('redacts secrets in the JSON it prints', () => {
    const r = run(['check', '--json', '--env', 'production', '--', 'PGPASSWORD=hunter2 rm -rf /srv/data']);
    expect(r.out).not.toContain('hunter2');
    expect(json(r).redacted).toBe('PGPASSWORD=*** rm -rf /srv/data');
  });

  it('human output: verdict, signal, each match; colour only when asked for', () => {
    const r = run(['check', '--env', 'production', '--', 'rm -rf /srv/data']);
    expect(r.out).toContain('CONFIRM (high)');
    expect(r.out).toContain('production (PRODGUARD_ENV=production)');
    expect(r.out).toContain('test.rm-rf');
    expect(r.out).toContain('type "data"');
    expect(r.out).toContain('instead: mv it to a trash dir');
    expect(r.out).not.toContain('\x1b[');
    expect(run(['check', '--env', 'production', '--', 'rm -rf /x'], { FORCE_COLOR: '1' }).out).toContain('\x1b[');
    expect(run(['check', '--env', 'production', '--', 'rm -rf /x'], { FORCE_COLOR: '1', NO_COLOR: '1' }).out).not.toContain('\x1b[');
  });

  it('PRODGUARD_DISABLE=1: allow, reported', () => {
    const r = run(['check', '--json', '--env', 'production', '--', 'rm -rf /x'], { PRODGUARD_DISABLE: '1' });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ verdict: 'allow', disabled: true });
  });

  it('a bad config: exit 7, one line naming file, field and expectation', () => {
    const bad = makeHome({ policy: { high: 'maybe' } });
    const r = run(['check', '--', 'ls'], {}, bad);
    expect(r.code).toBe(7);
    expect(r.err).toBe(`prodguard: config ${join(bad, 'config.json')}: policy.high: expected one of allow|confirm|block, got "maybe"\n`);
    const notJson = run(['check', '--', 'ls'], {}, makeHome('{ nope'));
    expect(notJson.code).toBe(7);
    expect(notJson.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('prodguard explain', () => {
  it('names the simple commands, what was unwrapped, the rule and why', () => {
    const r = run(['explain', '--env', 'production', '--', 'sudo bash -c "rm -rf /srv/data"; psql -c "DROP TABLE users"']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/simple commands \(\d+\)/);
    expect(r.out).toMatch(/rm\s+rm -rf \/srv\/data\s+via sudo > bash -c/);
    expect(r.out).toContain('sql -> psql: DROP TABLE users');
    expect(r.out).toMatch(/command \d+ -> test\.rm-rf \(high, policy: confirm\)/);
    expect(r.out).toContain('because: command rm; flag -r; flag -f');
    expect(r.out).toMatch(/statement 1 -> test\.drop-table/);
    expect(r.out).toContain('verdict     confirm (type "data")');
  });

  it('outside production says what production would do', () => {
    const r = run(['explain', '--', 'rm -rf /srv/data']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('in production: confirm (type "data")');
  });
});

describe('prodguard rules', () => {
  it('lists catalog, custom and engine rules; --json and --domain', () => {
    const r = run(['rules', 'list', '--json', '--domain', 'test']);
    expect(r.code).toBe(0);
    expect(json(r).map((x: { id: string }) => x.id)).toEqual(['test.rm-rf', 'test.mkfs', 'test.drop-table']);
    const all = json(run(['rules', '--json'])) as Array<{ id: string; source: string }>;
    expect(all.filter((x) => x.source === 'engine').map((x) => x.id)).toEqual(['engine.dynamic-command', 'engine.unparsable', 'engine.fork-bomb']);
    expect(run(['rules']).out).toMatch(/test\.mkfs\s+critical\s+formats a disk/);
  });

  it('show ID, and a one-line error for an unknown one', () => {
    const r = run(['rules', 'show', 'test.mkfs']);
    expect(r.out).toContain('in production: block (policy for its severity)');
    expect(json(run(['rules', 'show', 'engine.unparsable', '--json']))).toMatchObject({
      id: 'engine.unparsable',
      action: 'confirm',
      source: 'engine',
    });
    const bad = run(['rules', 'show', 'no.such']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('prodguard: no rule "no.such" (prodguard rules list shows them)\n');
    expect(run(['rules', 'list', '--domain', 'nope']).code).toBe(2);
  });
});

describe('prodguard config', () => {
  it('path, check, show', () => {
    expect(run(['config', 'path']).out).toBe(`${join(home, 'config.json')}\n`);
    expect(run(['config', 'check']).out).toMatch(/: ok \(6 rules in effect, 3 custom, \d+ disabled/);
    expect(json(run(['config', 'show'])).policy).toMatchObject({ critical: 'block' });
    expect(run(['config', 'check'], {}, makeHome({ rules: { disabled: 'x' } })).code).toBe(7);
  });

  it('show masks what is a credential: webhook secrets and the path of target URLs', () => {
    const slack = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX';
    const targets = [
      { name: 'team', type: 'slack', url: slack },
      { name: 'siem', type: 'webhook', url: 'https://siem.example:8443/in/tok3n', secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0' },
    ];
    const r = run(['config', 'show'], {}, makeHome({ alerts: { targets } }));
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/XXXXsecretXXXX|tok3n|whsec_/);
    expect(json(r).alerts.targets).toMatchObject([
      { name: 'team', url: 'https://hooks.slack.com/***' },
      { name: 'siem', url: 'https://siem.example:8443/***', secret: '***' },
    ]);
  });
});

describe('prodguard explain --json', () => {
  it('prints the parse, the matches with reasons and the verdict, secrets redacted', () => {
    const r = run(['explain', '--json', '--env', 'production', '--', 'PGPASSWORD=hunter2 sudo bash -c "rm -rf /srv/data"']);
    expect(r.code).toBe(3);
    expect(r.out).not.toContain('hunter2');
    const e = json(r);
    expect(e.commands).toEqual([expect.objectContaining({ name: 'rm', via: ['sudo', 'bash -c'], argv: ['rm', '-rf', '/srv/data'] })]);
    expect(e.matches[0]).toMatchObject({
      rule: 'test.rm-rf',
      kind: 'command',
      index: 0,
      why: ['command rm', 'flag -r', 'flag -f'],
      action: 'confirm',
    });
    expect(VerdictSchema.parse(e.verdict)).toEqual(e.verdict);
  });
});
