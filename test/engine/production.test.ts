import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProductionDetector, detectProduction } from '../../daemon/engine/production/index.js';
import { DEFAULT_PRODUCTION_VARIABLES, productionVariables } from '../../daemon/config/schema.js';
import { config } from './helpers.js';

// Production detection: which signal fires, in which order, from real files for kube and terraform.

const empty = mkdtempSync(join(tmpdir(), 'pg-prod-home-'));
/** A HOME without ~/.kube/config so the machine's own files never leak into a test. */
const base = { HOME: empty };
const detect = createProductionDetector(config());

describe('environment variables', () => {
  it('PRODGUARD_ENV decides first, production or not', () => {
    expect(detect({ ...base, PRODGUARD_ENV: 'Production', ENV: 'dev' })).toEqual({
      active: true,
      signal: 'PRODGUARD_ENV=Production',
      env: 'Production',
    });
    expect(detect({ ...base, PRODGUARD_ENV: 'staging', ENV: 'production' })).toEqual({
      active: false,
      signal: 'PRODGUARD_ENV=staging',
      env: 'staging',
    });
  });

  it.each(['ENVIRONMENT', 'ENV', 'APP_ENV', 'NODE_ENV', 'RAILS_ENV', 'RACK_ENV', 'FLASK_ENV', 'MIX_ENV', 'STAGE', 'DEPLOY_ENV'])(
    '%s=PROD',
    (name) => {
      expect(detect({ ...base, [name]: 'PROD' })).toEqual({ active: true, signal: `${name}=PROD`, env: 'PROD' });
    },
  );

  it.each(['production', 'prod', 'prd', 'live', 'LIVE'])('value %s counts', (v) => expect(detect({ ...base, ENV: v }).active).toBe(true));
  it.each(['staging', 'dev', 'preprod', 'production-like', ''])('value %s does not', (v) => expect(detect({ ...base, ENV: v }).active).toBe(false));

  it('any configured variable holding a production value wins, reported in list order', () => {
    expect(detect({ ...base, ENVIRONMENT: 'staging', RAILS_ENV: 'production' })).toMatchObject({ active: true, signal: 'RAILS_ENV=production' });
    expect(detect({ ...base, NODE_ENV: 'development' })).toEqual({ active: false, signal: null, env: 'development' });
  });

  it('vendor variables by config are added to the defaults: ENV, NODE_ENV ... keep counting (issue #13)', () => {
    const c = config({ production: { variables: ['CRONOS_AI_ENVIRONMENT'] } });
    const d = createProductionDetector(c);
    expect(d({ ...base, CRONOS_AI_ENVIRONMENT: 'prd' })).toMatchObject({ active: true, signal: 'CRONOS_AI_ENVIRONMENT=prd' });
    expect(d({ ...base, ENV: 'production' })).toMatchObject({ active: true, signal: 'ENV=production' });
    expect(d({ ...base, NODE_ENV: 'prod' })).toMatchObject({ active: true, signal: 'NODE_ENV=prod' });
    expect(productionVariables(c)).toEqual([...DEFAULT_PRODUCTION_VARIABLES, 'CRONOS_AI_ENVIRONMENT']);
    // A default listed again is read once, in its default place.
    expect(productionVariables(config({ production: { variables: ['ENV', 'X_ENV'] } }))).toEqual([...DEFAULT_PRODUCTION_VARIABLES, 'X_ENV']);
  });

  it('onlyVariables, the explicitly named key, replaces the defaults', () => {
    const c = config({ production: { onlyVariables: ['TEAM_ENV'], variables: ['CRONOS_AI_ENVIRONMENT'] } });
    const d = createProductionDetector(c);
    expect(productionVariables(c)).toEqual(['TEAM_ENV', 'CRONOS_AI_ENVIRONMENT']);
    expect(d({ ...base, TEAM_ENV: 'live' })).toMatchObject({ active: true, signal: 'TEAM_ENV=live' });
    expect(d({ ...base, ENV: 'production' }).active).toBe(false);
  });
});

describe('signals beyond variables', () => {
  it('AWS_PROFILE', () => {
    expect(detect({ ...base, AWS_PROFILE: 'prod-admin' })).toEqual({ active: true, signal: 'AWS_PROFILE=prod-admin', env: 'prod-admin' });
    expect(detect({ ...base, AWS_PROFILE: 'product-team' }).active).toBe(false);
  });

  it('kube context from KUBECONFIG files, re-read when the file changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-kube-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, 'apiVersion: v1\nkind: Config\nclusters: []\n');
    writeFileSync(b, 'apiVersion: v1\ncurrent-context: "prod-eu"\ncontexts:\n- name: prod-eu\n');
    expect(detect({ ...base, KUBECONFIG: `${a}:${b}` })).toEqual({ active: true, signal: 'kube-context=prod-eu', env: 'prod-eu' });
    writeFileSync(b, 'apiVersion: v1\ncurrent-context: dev-eu\n');
    utimesSync(b, new Date(), new Date(Date.now() + 5_000));
    expect(detect({ ...base, KUBECONFIG: `${a}:${b}` }).active).toBe(false);
  });

  it('kube context from ~/.kube/config', () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'current-context: gke_acme_europe-west1_production\n');
    expect(detect({ HOME: home })).toMatchObject({ active: true, signal: 'kube-context=gke_acme_europe-west1_production' });
  });

  it('terraform workspace from TF_WORKSPACE or .terraform/environment in cwd', () => {
    expect(detect({ ...base, TF_WORKSPACE: 'prod' })).toMatchObject({ active: true, signal: 'terraform-workspace=prod' });
    const cwd = mkdtempSync(join(tmpdir(), 'pg-tf-'));
    mkdirSync(join(cwd, '.terraform'));
    writeFileSync(join(cwd, '.terraform', 'environment'), 'production');
    expect(detect(base, { cwd })).toMatchObject({ active: true, signal: 'terraform-workspace=production' });
    expect(detect(base, { cwd: empty }).active).toBe(false);
  });

  it('host name pattern when configured', () => {
    const c = config({ production: { hostname: '-prod-' } });
    expect(detectProduction(base, c, { hostname: 'db-prod-1' })).toEqual({ active: true, signal: 'hostname=db-prod-1', env: 'db-prod-1' });
    expect(detectProduction(base, c, { hostname: 'db-stage-1' }).active).toBe(false);
    expect(detectProduction(base, config(), { hostname: 'db-prod-1' }).active).toBe(false);
  });
});
