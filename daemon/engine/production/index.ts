import { hostname as osHostname, homedir } from 'node:os';
import { join } from 'node:path';
import { productionVariables, type Config } from '../../config/schema.js';
import type { Production } from '../../contract/verdict.js';
import { readCached } from './file-cache.js';

// Is this shell production, and which signal says so? Order: PRODGUARD_ENV (any value decides,
// production or not), then the configured variables (the first one holding a production value
// wins: a safety tool errs towards production when two variables disagree), then AWS profile,
// kube context, terraform workspace and host name patterns.

export interface ProductionOptions {
  cwd?: string | undefined;
  /** Defaults to the machine's short host name. */
  hostname?: string | undefined;
}

type Env = Record<string, string | undefined>;
export type ProductionDetector = (env: Env, opts?: ProductionOptions) => Production;

export function createProductionDetector(config: Config): ProductionDetector {
  const p = config.production;
  const variables = productionVariables(config);
  const values = new Set(p.values.map((v) => v.toLowerCase()));
  const isProdValue = (v: string): boolean => values.has(v.trim().toLowerCase());
  const aws = new RegExp(p.awsProfile, 'i');
  const kube = new RegExp(p.kubeContext, 'i');
  const tf = new RegExp(p.terraformWorkspace, 'i');
  const host = p.hostname ? new RegExp(p.hostname, 'i') : null;
  const on = (signal: string, env: string): Production => ({ active: true, signal, env });

  return (env, opts = {}) => {
    const explicit = env.PRODGUARD_ENV;
    if (explicit) return { active: isProdValue(explicit), signal: `PRODGUARD_ENV=${explicit}`, env: explicit };

    let firstSeen: string | null = null;
    for (const name of variables) {
      const v = env[name];
      if (!v) continue;
      if (isProdValue(v)) return on(`${name}=${v}`, v);
      firstSeen ??= v;
    }
    for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) {
      const v = env[name];
      if (v && aws.test(v)) return on(`${name}=${v}`, v);
    }
    const ctx = kubeContext(env);
    if (ctx && kube.test(ctx)) return on(`kube-context=${ctx}`, ctx);
    const ws = terraformWorkspace(env, opts.cwd);
    if (ws && tf.test(ws)) return on(`terraform-workspace=${ws}`, ws);
    if (host) {
      const h = opts.hostname ?? shortHostname();
      if (host.test(h)) return on(`hostname=${h}`, h);
    }
    return { active: false, signal: null, env: firstSeen };
  };
}

const detectors = new WeakMap<Config['production'], ProductionDetector>();

/** One-off detection; the engine keeps its own detector built once. */
export function detectProduction(env: Env, config: Config, opts?: ProductionOptions): Production {
  let d = detectors.get(config.production);
  if (!d) detectors.set(config.production, (d = createProductionDetector(config)));
  return d(env, opts);
}

export function shortHostname(): string {
  return osHostname().split('.')[0] || 'localhost';
}

/** kubectl's current context: the first KUBECONFIG file that sets one, else ~/.kube/config. */
export function kubeContext(env: Env): string | null {
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(':').filter(Boolean) : [join(env.HOME || homedir(), '.kube', 'config')];
  for (const file of files) {
    const ctx = readCached(file, parseCurrentContext);
    if (ctx) return ctx;
  }
  return null;
}

/** A line scan, not a YAML parser: `current-context: name` sits at the top level of a kubeconfig. */
function parseCurrentContext(text: string): string | null {
  const m = /^current-context:[ \t]*(.*?)[ \t]*$/m.exec(text);
  if (!m) return null;
  const v = m[1]!.replace(/^(["'])(.*)\1$/, '$2').replace(/[ \t]+#.*$/, '');
  return v && v !== '""' ? v : null;
}

/** TF_WORKSPACE wins, as in terraform itself; else .terraform/environment in the working directory. */
export function terraformWorkspace(env: Env, cwd?: string): string | null {
  if (env.TF_WORKSPACE) return env.TF_WORKSPACE;
  if (!cwd) return null;
  return readCached(join(cwd, '.terraform', 'environment'), (t) => t.trim() || null);
}
