import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Action } from '../../contract/enums.js';
import type { Config } from '../../config/schema.js';
import { DATABASE_CLIENTS } from '../parse/clients.js';
import type { SimpleCommand } from '../parse/types.js';
import { argView, type ArgView } from '../rules/args.js';
import type { Rule } from '../rules/schema.js';

// Dry runs. Two kinds:
// - a tool's own dry-run spelling (`terraform plan`, `--dry-run`, `rsync -n`): always a dry run;
// - the DRY_RUN=1|true|yes prefix: a convention only programs that read the variable honour (the
//   team's own scripts). A known program (one the rule catalog, the database clients or
//   dry-runs.json names: rm, git, terraform, kubectl, psql ...) reads no such variable, so there
//   the prefix changes nothing and the line is judged as if it were absent. Which programs honour
//   it: config dryRun.honouredBy, plus every program that is not known when dryRun.unknownPrograms
//   is on (the default). A prefix never lifts a block.
// Each program's own dry-run form is data (dry-runs.json), shown in the confirmation.

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

/** The tool's own dry-run spelling (not the DRY_RUN prefix). */
export function isOwnDryRun(cmd: SimpleCommand, view?: ArgView): boolean {
  // Own keys only: a command named `valueOf` or `constructor` must not reach Object.prototype.
  const tool = Object.hasOwn(TOOLS, cmd.name) ? TOOLS[cmd.name] : undefined;
  return tool ? tool(cmd, view ?? argView(cmd)) : false;
}

export const hasDryRunPrefix = (cmd: SimpleCommand): boolean => truthy(cmd.assignments.DRY_RUN);

const DryRunEntrySchema = z
  .object({
    sub: z.array(z.string().min(1)).optional(),
    form: z.string().min(1).optional(),
    check: z.string().min(1).optional(),
    advice: z.string().min(1).optional(),
    drop: z.array(z.string()).optional(),
  })
  .strict()
  .refine((e) => e.form || e.check || e.advice, { message: 'an entry needs a form, a check or an advice' });
const DryRunFileSchema = z.object({ $comment: z.string().optional(), programs: z.record(z.string(), z.array(DryRunEntrySchema).min(1)) }).strict();
type DryRunEntry = z.infer<typeof DryRunEntrySchema>;

export const DRY_RUNS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'dry-runs.json');
let table: Map<string, DryRunEntry[]> | null = null;

function dryRunTable(): Map<string, DryRunEntry[]> {
  if (!table) {
    const parsed = DryRunFileSchema.safeParse(JSON.parse(readFileSync(DRY_RUNS_FILE, 'utf8')));
    if (!parsed.success) throw new Error(`${DRY_RUNS_FILE}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    table = new Map(Object.entries(parsed.data.programs));
  }
  return table;
}

/** A name list with `prefix*` entries, looked up by a command's basename or its argv[0] as written. */
class NameSet {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  constructor(names: Iterable<string>) {
    for (const n of names) {
      if (n.endsWith('*')) this.prefixes.push(n.slice(0, -1));
      else this.exact.add(n);
    }
  }
  lookup(cmd: SimpleCommand): string | null {
    const argv0 = (cmd.argv[0] ?? '').replace(/^\\/, '');
    for (const n of [cmd.name, argv0, argv0.replace(/^\.\//, '')]) if (this.exact.has(n)) return n;
    const p = this.prefixes.find((x) => cmd.name.startsWith(x));
    return p === undefined ? null : `${p}*`;
  }
}

/** What a match tells the user about dry runs. */
export interface DryRunInfo {
  /** The program's own dry run, as a command built from the matched one (null: it has none known). */
  form: string | null;
  /** For a program without a dry run: a command that shows what the line would touch (`lsblk -f /dev/x`). */
  check: string | null;
  /** A word of explanation (`rm -rI asks once before it deletes`). */
  advice: string | null;
  /** Whether a DRY_RUN=1 prefix is a dry run for this program. */
  prefix: 'honoured' | 'ignored';
  /** The line set DRY_RUN=1 on this command. */
  prefixSet: boolean;
}

export interface DryRunPolicy {
  /** A dry run for this hit: the tool's own form, or an honoured prefix when the action is not block. */
  isDryRun(cmd: SimpleCommand, action: Action): boolean;
  info(cmd: SimpleCommand): DryRunInfo;
}

const sp = (words: string[]): string => (words.length ? ` ${words.join(' ')}` : '');

function fill(entry: DryRunEntry, cmd: SimpleCommand, subWords: number): Pick<DryRunInfo, 'form' | 'check' | 'advice'> {
  const drop = new Set(entry.drop ?? []);
  const argv = cmd.argv.filter((w, i) => i === 0 || !drop.has(w));
  const args = argv.slice(1);
  // {head}: argv up to and including the last sub-command word (`git -C repo push`).
  let seen = 0;
  let headEnd = 0;
  for (let i = 1; i < argv.length && seen < subWords; i++) {
    if (!argv[i]!.startsWith('-')) {
      seen++;
      headEnd = i;
    }
  }
  const vars: Record<string, string> = {
    program: argv[0] ?? cmd.name,
    head: argv.slice(0, headEnd + 1).join(' '),
    after: sp(argv.slice(headEnd + 1)),
    args: sp(args),
    operands:
      args
        .filter((w) => !w.startsWith('-'))
        .slice(subWords)
        .join(' ') || '.',
  };
  const put = (t: string | undefined): string | null => (t ? t.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m) : null);
  return { form: put(entry.form), check: put(entry.check), advice: put(entry.advice) };
}

function subMatches(sub: string[] | undefined, positionals: string[]): boolean {
  return !sub || sub.every((alt, i) => positionals[i] !== undefined && alt.split('|').includes(positionals[i]!.toLowerCase()));
}

/** Every program name the catalog's rules match on (`mkfs.*` kept as a prefix). */
export function catalogProgramNames(rules: readonly Rule[]): string[] {
  return rules.flatMap((r) => r.match.command ?? []);
}

export function createDryRunPolicy(config: Pick<Config, 'dryRun'>, rules: readonly Rule[]): DryRunPolicy {
  const forms = dryRunTable();
  const known = new NameSet([...catalogProgramNames(rules), ...DATABASE_CLIENTS, ...forms.keys()]);
  const honoured = new NameSet(config.dryRun.honouredBy);
  const honours = (cmd: SimpleCommand): boolean => !known.lookup(cmd) && (config.dryRun.unknownPrograms || honoured.lookup(cmd) !== null);
  const formNames = new NameSet(forms.keys());
  const formsOf = (cmd: SimpleCommand): DryRunEntry[] | undefined => {
    const key = formNames.lookup(cmd);
    return key === null ? undefined : forms.get(key);
  };
  return {
    isDryRun(cmd, action) {
      if (isOwnDryRun(cmd)) return true;
      return action !== 'block' && hasDryRunPrefix(cmd) && honours(cmd);
    },
    info(cmd) {
      const prefix = honours(cmd) ? 'honoured' : 'ignored';
      const prefixSet = hasDryRunPrefix(cmd);
      const entries = formsOf(cmd);
      const positionals = entries ? argView(cmd).positionals : [];
      const entry = entries?.find((e) => subMatches(e.sub, positionals));
      if (!entry) return { form: null, check: null, advice: null, prefix, prefixSet };
      return { ...fill(entry, cmd, entry.sub?.length ?? 0), prefix, prefixSet };
    },
  };
}
