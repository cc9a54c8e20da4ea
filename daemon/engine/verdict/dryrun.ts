import type { SimpleCommand } from '../parse/types.js';
import { argView, type ArgView } from '../rules/args.js';

// Dry runs: the DRY_RUN=1|true prefix (the user's declared convention, honoured for any program)
// and each tool's own dry-run spelling. `rm`, `dd`, `mkfs` and friends have none.

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes)$/i.test(v.trim());

/** `--dry-run`, `--dry-run=client|server|true`: a dry run; `--dry-run=none|false`: a real run. */
function dryRunFlag(cmd: SimpleCommand, ...names: string[]): boolean {
  for (const a of cmd.argv.slice(1)) {
    if (a === '--') break;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!names.includes(name)) continue;
    return eq < 0 || !/^(none|false|0)$/i.test(a.slice(eq + 1));
  }
  return false;
}

const has = (v: ArgView, long: string, short?: string): boolean => v.words.has(long) || (short !== undefined && v.letters.has(short));

const TOOLS: Record<string, (cmd: SimpleCommand, v: ArgView) => boolean> = {
  terraform: (_c, v) => v.positionals[0] === 'plan',
  kubectl: (c) => dryRunFlag(c, '--dry-run'),
  helm: (c) => dryRunFlag(c, '--dry-run'),
  git: (c, v) => (v.positionals[0] === 'push' || v.positionals[0] === 'clean') && has(v, '--dry-run', 'n'),
  rsync: (_c, v) => has(v, '--dry-run', 'n'),
  pulumi: (c, v) => v.positionals[0] === 'preview' || dryRunFlag(c, '--preview-only'),
  aws: (c) => dryRunFlag(c, '--dryrun', '--dry-run'),
  'ansible-playbook': (_c, v) => has(v, '--check', 'C'),
  make: (_c, v) => has(v, '--dry-run', 'n') || v.words.has('--just-print'),
};
TOOLS.tofu = TOOLS.terraform!;
TOOLS.oc = TOOLS.kubectl!;

export function isDryRun(cmd: SimpleCommand, view?: ArgView): boolean {
  if (truthy(cmd.assignments.DRY_RUN)) return true;
  // Own keys only: a command named `valueOf` or `constructor` must not reach Object.prototype.
  const tool = Object.hasOwn(TOOLS, cmd.name) ? TOOLS[cmd.name] : undefined;
  return tool ? tool(cmd, view ?? argView(cmd)) : false;
}
