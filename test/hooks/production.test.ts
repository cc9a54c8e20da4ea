import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHook, type HookShell } from '../../cli/init.js';
import { isDisabled } from '../../daemon/contract/signals.js';
import { ConfigSchema, type Config } from '../../daemon/config/schema.js';
import { createProductionDetector } from '../../daemon/engine/production/index.js';
import { resolvePaths } from '../../daemon/paths.js';

// The hook's production verdict equals the engine's, for every signal the engine knows: the
// generated `__pg_prod_test` runs in a real bash and zsh over a table of environments (variables,
// case and white space, AWS profiles, kube contexts from files, terraform workspaces, host names,
// PRODGUARD_ENV overriding, PRODGUARD_DISABLE spellings) and its answer is compared with
// daemon/engine/production's for the same environment.

const root = mkdtempSync(join(tmpdir(), 'pg-prodtest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Row {
  name: string;
  env?: Record<string, string>;
  /** kube config files, by name under the row's HOME (`config` is ~/.kube/config). */
  kube?: Record<string, string>;
  /** .terraform/environment in the working directory. */
  tf?: string;
  host?: string;
  config?: Record<string, unknown>;
}

const kubeDoc = (ctx: string): string => `apiVersion: v1\nkind: Config\nclusters: []\ncurrent-context: ${ctx}\nusers: []\n`;

const ROWS: Row[] = [
  { name: 'nothing' },
  { name: 'ENV=production', env: { ENV: 'production' } },
  { name: 'ENV=Production (case)', env: { ENV: 'Production' } },
  { name: 'ENV=PROD', env: { ENV: 'PROD' } },
  { name: 'NODE_ENV=live', env: { NODE_ENV: 'live' } },
  { name: 'ENV with white space', env: { ENV: '  prod\t' } },
  { name: 'ENV=staging', env: { ENV: 'staging' } },
  { name: 'ENV=preprod (no substring match)', env: { ENV: 'preprod' } },
  { name: 'ENV=my prod (inner space)', env: { ENV: 'my prod' } },
  { name: 'a later variable says production', env: { ENV: 'dev', ENVIRONMENT: 'prod' } },
  { name: 'PRODGUARD_ENV=staging overrides ENV=production', env: { PRODGUARD_ENV: 'staging', ENV: 'production' } },
  { name: 'PRODGUARD_ENV= Prod (trimmed, case)', env: { PRODGUARD_ENV: ' Prod ' } },
  { name: 'PRODGUARD_ENV=dev overrides the kube context', env: { PRODGUARD_ENV: 'dev' }, kube: { config: kubeDoc('prod-eu') } },
  { name: 'AWS_PROFILE=acme-prod', env: { AWS_PROFILE: 'acme-prod' } },
  { name: 'AWS_PROFILE=ACME_PRD (case)', env: { AWS_PROFILE: 'ACME_PRD' } },
  { name: 'AWS_PROFILE=product (no match)', env: { AWS_PROFILE: 'product' } },
  { name: 'AWS_DEFAULT_PROFILE=live', env: { AWS_DEFAULT_PROFILE: 'live' } },
  { name: 'kube context prod-eu in ~/.kube/config', kube: { config: kubeDoc('prod-eu') } },
  { name: 'kube context PROD:cluster (case)', kube: { config: kubeDoc('PROD:cluster') } },
  { name: 'kube context quoted', kube: { config: kubeDoc('"prod-eu"') } },
  { name: 'kube context with a comment', kube: { config: kubeDoc('prod-eu # the big one') } },
  { name: 'kube context quoted with a comment', kube: { config: kubeDoc('"prod" # x') } },
  { name: 'kube context staging', kube: { config: kubeDoc('staging') } },
  { name: 'kube context productive (no match)', kube: { config: kubeDoc('productive') } },
  { name: 'kube file without a context', kube: { config: 'apiVersion: v1\nkind: Config\n' } },
  { name: 'kube file with CRLF', kube: { config: 'apiVersion: v1\r\ncurrent-context: prod\r\n' } },
  {
    name: 'KUBECONFIG list: first file has no context, second prod',
    env: { KUBECONFIG: '@a:@b' },
    kube: { a: 'kind: Config\n', b: kubeDoc('eu-prod') },
  },
  { name: 'KUBECONFIG list: first file sets staging', env: { KUBECONFIG: '@a:@b' }, kube: { a: kubeDoc('staging'), b: kubeDoc('prod') } },
  { name: 'KUBECONFIG names a missing file; ~/.kube/config is not read', env: { KUBECONFIG: '@missing' }, kube: { config: kubeDoc('prod') } },
  { name: 'TF_WORKSPACE=prod', env: { TF_WORKSPACE: 'prod' } },
  { name: 'TF_WORKSPACE=Production', env: { TF_WORKSPACE: 'Production' } },
  { name: 'TF_WORKSPACE=prod-eu (anchored pattern)', env: { TF_WORKSPACE: 'prod-eu' } },
  { name: 'TF_WORKSPACE=dev wins over the file', env: { TF_WORKSPACE: 'dev' }, tf: 'prod\n' },
  { name: '.terraform/environment prod', tf: 'prod\n' },
  { name: '.terraform/environment staging', tf: 'staging' },
  { name: 'host name matches', host: 'db-prod-1', config: { production: { hostname: '-prod-' } } },
  { name: 'host name does not match', host: 'db-dev-1', config: { production: { hostname: '-prod-' } } },
  {
    name: 'configured variable and values',
    env: { CRONOS_AI_ENVIRONMENT: 'LIVE-EU' },
    config: { production: { variables: ['CRONOS_AI_ENVIRONMENT'], values: ['live-eu'] } },
  },
  { name: 'configured kube pattern', kube: { config: kubeDoc('blue') }, config: { production: { kubeContext: '^(blue|green)$' } } },
  { name: 'PRODGUARD_DISABLE=1', env: { ENV: 'production', PRODGUARD_DISABLE: '1' } },
  { name: 'PRODGUARD_DISABLE=true', env: { ENV: 'production', PRODGUARD_DISABLE: 'true' } },
  { name: 'PRODGUARD_DISABLE=YES', env: { ENV: 'production', PRODGUARD_DISABLE: 'YES' } },
  { name: 'PRODGUARD_DISABLE= On ', env: { ENV: 'production', PRODGUARD_DISABLE: ' On ' } },
  { name: 'PRODGUARD_DISABLE=0', env: { ENV: 'production', PRODGUARD_DISABLE: '0' } },
  { name: 'PRODGUARD_DISABLE=no', env: { ENV: 'production', PRODGUARD_DISABLE: 'no' } },
];

interface Case {
  row: Row;
  home: string;
  cwd: string;
  env: Record<string, string>;
  config: Config;
}

function prepare(row: Row, i: number): Case {
  const home = join(root, `row${i}`);
  const cwd = join(home, 'work');
  mkdirSync(join(home, '.kube'), { recursive: true });
  mkdirSync(cwd, { recursive: true });
  for (const [name, text] of Object.entries(row.kube ?? {}))
    writeFileSync(name === 'config' ? join(home, '.kube', 'config') : join(home, name), text);
  if (row.tf !== undefined) {
    mkdirSync(join(cwd, '.terraform'), { recursive: true });
    writeFileSync(join(cwd, '.terraform', 'environment'), row.tf);
  }
  const env: Record<string, string> = { HOME: home };
  for (const [k, v] of Object.entries(row.env ?? {})) env[k] = v.replace(/@(\w+)/g, (_, n: string) => join(home, n));
  return { row, home, cwd, env, config: ConfigSchema.parse(row.config ?? {}) };
}

/** The hook's __pg_p and __pg_off for one case, from a real shell that sourced the hook. */
function hookVerdict(shell: HookShell, c: Case): { p: boolean; off: boolean } {
  const file = join(c.home, `hook.${shell}`);
  writeFileSync(
    file,
    renderHook({ shell, config: c.config, paths: resolvePaths({ PRODGUARD_HOME: join(c.home, 'pg') }), hostname: c.row.host ?? 'devbox' }),
  );
  const script = `${shell === 'zsh' ? 'zmodload zsh/system; ' : ''}source ${file}; cd ${c.cwd}; __pg_prod_test; echo "P=$__pg_p OFF=$__pg_off"`;
  const r = spawnSync(shell, shell === 'zsh' ? ['-f', '-c', script] : ['--norc', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...c.env },
    encoding: 'utf8',
  });
  const m = /P=(\d) OFF=(\d)/.exec(r.stdout);
  if (!m) throw new Error(`${shell}: no verdict: ${r.stdout} ${r.stderr}`);
  expect(r.stderr).toBe('');
  return { p: m[1] === '1', off: m[2] === '1' };
}

const cases = ROWS.map(prepare);

describe.each(['bash', 'zsh'] as const)('%s hook production test', (shell) => {
  it.each(cases.map((c) => [c.row.name, c] as const))('agrees with the engine: %s', (_name, c) => {
    const engine = createProductionDetector(c.config)(c.env, { cwd: c.cwd, hostname: c.row.host ?? 'devbox' });
    expect(hookVerdict(shell, c)).toEqual({ p: engine.active, off: isDisabled(c.env.PRODGUARD_DISABLE) });
  });

  it('sees a kube context switch at the next prompt (the file re-read on change only)', () => {
    const c = prepare({ name: 'switch', kube: { config: kubeDoc('staging') } }, 1000 + (shell === 'zsh' ? 1 : 0));
    const file = join(c.home, `hook.${shell}`);
    writeFileSync(file, renderHook({ shell, config: c.config, paths: resolvePaths({ PRODGUARD_HOME: join(c.home, 'pg') }), hostname: 'devbox' }));
    mkdirSync(join(c.home, 'pg', 'spool'), { recursive: true });
    const kube = join(c.home, '.kube', 'config');
    // Three prompts in one shell: staging, then prod-eu written over it, then the same again
    // (cached: the file is not read when it did not change, shown by a context the file no
    // longer holds being kept when the reference is forced newer).
    const script = [
      shell === 'zsh' ? 'zmodload zsh/system' : ':',
      `source ${file}`,
      '__pg_prod_test; echo "A=$__pg_p"',
      `printf '%b' ${JSON.stringify(kubeDoc('prod-eu'))} >${kube}`,
      '__pg_prod_test; echo "B=$__pg_p"',
      `printf '%b' ${JSON.stringify(kubeDoc('prod-us'))} >${kube}; touch -d '2000-01-01' ${kube}`,
      '__pg_prod_test; echo "C=$__pg_p ctx=$__pg_kube_ctx"',
      `printf '%b' ${JSON.stringify(kubeDoc('staging'))} >${kube}`,
      '__pg_prod_test; echo "D=$__pg_p"',
    ].join('\n');
    const r = spawnSync(shell, shell === 'zsh' ? ['-f', '-c', script] : ['--norc', '-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...c.env },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('A=0');
    expect(r.stdout).toContain('B=1');
    expect(r.stdout).toContain('C=1 ctx=prod-eu');
    expect(r.stdout).toContain('D=0');
  });
});
