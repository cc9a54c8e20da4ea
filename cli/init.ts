import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError, defaultConfig, loadConfig } from '../daemon/config/load.js';
import { hookGeneration } from '../daemon/config/generation.js';
import { productionVariables, type Config } from '../daemon/config/schema.js';
import { DISABLE_TRUTHY, HOOK_CONTEXT_VARS, SIGNAL_VARS } from '../daemon/contract/signals.js';
import { shortHostname } from '../daemon/engine/production/index.js';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import { hookProtocolConstants, hookWordListConstants } from './hook-constants.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';

// `prodguard init bash|zsh` prints the hook for `eval "$(prodguard init bash)"`: a generated
// header (settings from the config and paths, and the production test compiled to one shell
// `case`), then shell-hooks/common.sh and the shell's own file. Everything the hook needs per
// prompt is decided here once, so the hook itself never forks outside production.

export type { HookShell } from '../daemon/contract/enums.js';
import { AGENT_NAMES, type AgentName, type HookShell } from '../daemon/contract/enums.js';
import { packageRoot, shq } from './package-root.js';

/** Separator of the joined variable values in the production test (a control char no value holds). */
const SEP = '${__pg_sep}';

export { packageRoot, shq };

/** A JS regex usable as a POSIX ERE in `[[ =~ ]]` (no escapes, no lookarounds), lowercased. */
function asEre(re: string): string | null {
  return /^[A-Za-z0-9_()|^$.[\]\-+*?{},:/ ]*$/.test(re) ? re.toLowerCase() : null;
}

type PatternKey = 'awsProfile' | 'kubeContext' | 'terraformWorkspace';

/**
 * A production pattern as a POSIX ERE for `[[ =~ ]]`, lowercased (the engine's are
 * case-insensitive). One the shells cannot test (escapes, lookarounds) falls back to the default
 * with a warning: an empty `eval` or a dropped signal would leave a production shell unguarded.
 */
function ereOf(config: Config, key: PatternKey): string {
  const ere = asEre(config.production[key]);
  if (ere !== null) return ere;
  process.stderr.write(
    `prodguard: production.${key} uses regex syntax the shell hooks cannot test: write it as a plain POSIX ERE (the hook uses the default until then)\n`,
  );
  return asEre(defaultConfig().production[key]) ?? '';
}

/** Trims white space off both ends of variable $1 in place (as the engine's String.trim()). */
const trimCode = (v: string): string => `${v}=\${${v}#"\${${v}%%[![:space:]]*}"}; ${v}=\${${v}%"\${${v}##*[![:space:]]}"}`;

/**
 * The once-per-prompt production test, the engine's (daemon/engine/production/index.ts) in shell:
 * a block that sets __pg_p to 1 when the signals say production and __pg_off to 1 when
 * PRODGUARD_DISABLE holds one of its truthy spellings. PRODGUARD_ENV decides alone when set; else
 * any configured variable with a production value, an AWS profile, the kube context or the
 * terraform workspace matching its pattern, or the host name (tested here once). Values are
 * compared lowercased and trimmed as the engine does; the trimming loop runs only when a value
 * holds white space. The kube context and the workspace come from __pg_kube_refresh and
 * __pg_tf_refresh (common.sh), which re-read a file only when it changed. `__pg_prod_test` runs
 * it; zsh inlines it into its precmd (a zsh function call costs two mmap syscalls).
 */
function prodTest(shell: HookShell, config: Config, hostIsProd: boolean): string {
  const lower = (v: string): string => (shell === 'bash' ? `\${${v},,}` : `\${(L)${v}-}`);
  const deref = (n: string): string => (shell === 'bash' ? `\${!${n}-}` : `\${(P)${n}-}`);
  // (A pattern no value matches stands in for an empty list: `case` needs one.)
  const none = "$'\\x01'";
  const values = config.production.values.map((v) => shq(v.trim().toLowerCase())).join('|') || none;
  const joined =
    SEP +
    productionVariables(config)
      .map((v) => `${lower(v)}${SEP}`)
      .join('');
  const anyOf = config.production.values.map((v) => `*"${SEP}"${shq(v.trim().toLowerCase())}"${SEP}"*`).join('|') || none;
  const aws = ereOf(config, 'awsProfile');
  const kube = ereOf(config, 'kubeContext');
  const tf = ereOf(config, 'terraformWorkspace');
  const off = DISABLE_TRUTHY.map(shq).join('|');
  const envVars = ['PRODGUARD_DISABLE', 'PRODGUARD_ENV', ...productionVariables(config), 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];
  const fromEnv = [
    `__pg_p=${hostIsProd ? 1 : 0} __pg_off=0`,
    `if [[ -n \${PRODGUARD_DISABLE-} ]]; then`,
    `  __pg_v=${lower('PRODGUARD_DISABLE')}; [[ $__pg_v == *[[:space:]]* ]] && { ${trimCode('__pg_v')}; }`,
    `  case $__pg_v in ${off}) __pg_off=1 ;; esac`,
    'fi',
    `if [[ -n \${PRODGUARD_ENV-} ]]; then`,
    `  __pg_v=${lower('PRODGUARD_ENV')}; ${trimCode('__pg_v')}`,
    `  __pg_p=0; case $__pg_v in ${values}) __pg_p=1 ;; esac`,
    'else',
    `  case "${joined}" in`,
    `    ${anyOf}) __pg_p=1 ;;`,
    `    *[[:space:]]*)`,
    // (Not __pg_n: that is the bash hook's line counter.)
    `      for __pg_pv in ${productionVariables(config).join(' ')}; do`,
    `        __pg_v=${deref('__pg_pv')}; ${trimCode('__pg_v')}; __pg_v=${lower('__pg_v')}`,
    `        case $__pg_v in ${values}) __pg_p=1 ;; esac`,
    '      done ;;',
    '  esac',
    `  [[ -n \${AWS_PROFILE-}\${AWS_DEFAULT_PROFILE-} ]] && { [[ ${lower('AWS_PROFILE')} =~ $__pg_aws_re ]] || [[ ${lower('AWS_DEFAULT_PROFILE')} =~ $__pg_aws_re ]]; } && __pg_p=1`,
  ];
  // bash reads the files under the user's options (`set -u` included): the refresh functions,
  // called only on a change, turn it off for themselves (`local -`).
  const refresh = (fn: string): string => (shell === 'bash' ? `{ local -; set +u; ${fn}; }` : fn);
  const fromFiles = [
    // (The refresh functions are called only when a file is there or was: a call costs more than
    // the stat calls of the common case, no kube config and no workspace file.)
    `if (( ! __pg_p )); then`,
    `  [[ $__pg_kube_seen == 0 && $__pg_kube_key == "\${KUBECONFIG-}"$'\\x1f'"\${HOME-}" && ! -e \${__pg_kube_files-} ]] || ${refresh('__pg_kube_refresh')}`,
    `  [[ -n $__pg_kube_ctx ]] && [[ ${lower('__pg_kube_ctx')} =~ $__pg_kube_re ]] && __pg_p=1`,
    `fi`,
    `if (( ! __pg_p )); then`,
    `  if [[ -n \${TF_WORKSPACE-} ]]; then __pg_v=$TF_WORKSPACE; else [[ -z $__pg_tf_of && ! -f $PWD/.terraform/environment ]] || ${refresh('__pg_tf_refresh')}; __pg_v=$__pg_tf_ws; fi`,
    `  [[ -n $__pg_v ]] && [[ ${lower('__pg_v')} =~ $__pg_tf_re ]] && __pg_p=1`,
    `fi`,
  ];
  const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);
  const common = [`__pg_sep=$'\\x1f'`, `__pg_aws_re=${shq(aws)}`, `__pg_kube_re=${shq(kube)}`, `__pg_tf_re=${shq(tf)}`];
  if (shell === 'zsh') {
    // zsh inlines the whole test into its precmd, under `emulate -L zsh`.
    const block = [...fromEnv, ...indent(fromFiles), 'fi'].join('\n');
    return [...common, `__pg_prod_code=${shq(block)}`, 'eval "__pg_prod_test() {\n$__pg_prod_code\n(( __pg_p && ! __pg_off ))\n}"'].join('\n');
  }
  // bash: the variables' part is worked out again only when one of their values changed (each
  // length-prefixed in __pg_psig, so no two sets of values give the same string, and safe under
  // `set -u`): outside production the prompt pays one expansion and the files' stat calls.
  // `${VAR,,}` of an unset variable is an error under `set -u`: __pg_prod_env turns it off for
  // itself (`local -`).
  const sig = `"${envVars.map((n) => `\${${n}+\${#${n}}}:\${${n}-}`).join('')}"`;
  const envCode = [...fromEnv, 'fi', '__pg_pe=$__pg_p __pg_pforced=${PRODGUARD_ENV:+1}'].join('\n');
  const testCode = [
    `__pg_v=${sig}`,
    '[[ $__pg_v == "$__pg_psig" ]] || { __pg_psig=$__pg_v; __pg_prod_env; }',
    '__pg_p=$__pg_pe',
    'if [[ -z $__pg_pforced ]]; then',
    ...indent(fromFiles),
    'fi',
  ].join('\n');
  return [
    ...common,
    `__pg_prod_code=${shq(envCode)}`,
    `__pg_prod_files_code=${shq(testCode)}`,
    "__pg_psig=$'\\x01' __pg_pe=0 __pg_pforced=",
    'eval "__pg_prod_env() {\nlocal -; set +u\n$__pg_prod_code\n}"',
    'eval "__pg_prod_test() {\n$__pg_prod_files_code\n(( __pg_p && ! __pg_off ))\n}"',
  ].join('\n');
}

export interface HookOptions {
  shell: HookShell;
  config: Config;
  paths: Paths;
  /** The prodguard launcher and the node that runs it (absolute). */
  bin?: string;
  node?: string;
  hostname?: string;
  /** Only the generated settings and production test, for a hook already loaded (`init --reload`). */
  reload?: boolean;
}

/** The full hook text for `eval`. */
export function renderHook(o: HookOptions): string {
  const root = packageRoot();
  const bin = o.bin ?? join(root, 'bin', 'prodguard');
  const node = o.node ?? process.execPath;
  const host = o.hostname ?? shortHostname();
  const hostIsProd = o.config.production.hostname ? new RegExp(o.config.production.hostname, 'i').test(host) : false;
  const envNames = [...new Set([...SIGNAL_VARS, ...HOOK_CONTEXT_VARS, ...productionVariables(o.config)])];
  const timeoutS = (o.config.daemon.hookTimeoutMs / 1000).toFixed(3);
  const header = [
    `# prodguard ${o.shell} hook, generated by \`prodguard init ${o.shell}\`. Load with: eval "$(prodguard init ${o.shell})"`,
    `__pg_home=${shq(o.paths.home ?? '')}`,
    `__pg_rundir=${shq(o.paths.runDir)}`,
    `__pg_sock=${shq(o.paths.socket)}`,
    `__pg_portfile=${shq(o.paths.portFile)}`,
    `__pg_tokenfile=${shq(o.paths.tokenFile)}`,
    `__pg_knockfile=${shq(o.paths.knockFile)}`,
    `__pg_prooffile=${shq(o.paths.proofFile)}`,
    `__pg_spooldir=${shq(o.paths.spoolDir)}`,
    `__pg_bin=${shq(bin)}`,
    `__pg_node=${shq(node)}`,
    // The engine without the daemon, for the hook's fallback (daemon/guard.ts).
    `__pg_guard=${shq(join(root, 'dist', 'daemon', 'guard.js'))}`,
    `__pg_timeout=${timeoutS}`,
    `__pg_gen=${hookGeneration(o.config)}`,
    `__pg_marker=${o.config.prompt.marker ? 1 : 0}`,
    `__pg_wrap=${o.config.wrap.shellFunctions ? 1 : 0}`,
    `__pg_envnames=(${envNames.join(' ')})`,
    // The values of those variables as one string (each length-prefixed, so no two sets of values
    // give the same string, and safe under `set -u`): the hooks rebuild the env JSON only when it changes.
    `__pg_envsig_code=${shq(`"${envNames.map((n) => `\${${n}+\${#${n}}}:\${${n}-}`).join('')}"`)}`,
    ...hookProtocolConstants(),
    ...hookWordListConstants(),
    prodTest(o.shell, o.config, hostIsProd),
  ].join('\n');
  // --reload: the settings alone, for a loaded hook that learnt that the config changed.
  if (o.reload === true) return `${header}\n__pg_rebuild\n`;
  const read = (f: string): string => readFileSync(join(root, 'shell-hooks', f), 'utf8');
  return `${header}\n${read('common.sh')}\n${read(`prodguard.${o.shell}`)}`;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('print the shell hook; add `eval "$(prodguard init bash)"` (or zsh) to your rc file')
    .argument('<shell>', `bash or zsh; or a coding agent: ${AGENT_NAMES.join(', ')} (docs/agents.md)`)
    .option('--reload', 'print only the settings part, which a loaded hook applies when the config changed')
    .option('--write', "agents: merge the hook into the agent's settings file (a backup is kept)")
    .option('--scope <scope>', 'agents: user (default) or project settings')
    .action(async (shell: string, opts: { reload?: boolean; write?: boolean; scope?: string }) => {
      if ((AGENT_NAMES as readonly string[]).includes(shell)) return (await import('./init-agents.js')).runInitAgent(shell as AgentName, opts);
      if (shell !== 'bash' && shell !== 'zsh') throw new UserError(`unknown shell "${shell}": use \`prodguard init bash\` or \`prodguard init zsh\``);
      const paths = resolvePaths();
      let config: Config;
      try {
        config = loadConfig(paths);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        // An empty `eval` would leave the shell unguarded: the hook still loads, on the defaults.
        process.stderr.write(`prodguard: ${err.message} (the hook uses the default settings until this is fixed)\n`);
        process.exitCode = EXIT.CONFIG;
        config = defaultConfig();
      }
      process.stdout.write(renderHook({ shell, config, paths, reload: opts.reload === true }));
    });
}
