import { readOptions } from '../parse/options.js';
import type { SimpleCommand } from '../parse/types.js';
import type { RecipeLine } from './make.js';

// Package scripts (npm, pnpm, yarn, bun) and just recipes: which script names a command runs,
// and their text from package.json / the justfile.

/** npm's own shorthands that run a package script of the same name. */
const NPM_SCRIPT_SHORTHANDS = new Set(['test', 't', 'tst', 'start', 'stop', 'restart']);
const SHORTHAND_SCRIPT: Record<string, string> = { t: 'test', tst: 'test' };
/** yarn/pnpm commands that are theirs, not a script (`yarn add`, `pnpm install`). */
const RUNNER_BUILTINS = new Set([
  'add',
  'audit',
  'bin',
  'cache',
  'config',
  'create',
  'dedupe',
  'dlx',
  'exec',
  'help',
  'import',
  'info',
  'init',
  'install',
  'i',
  'link',
  'list',
  'ls',
  'login',
  'logout',
  'outdated',
  'pack',
  'publish',
  'rebuild',
  'remove',
  'rm',
  'run',
  'run-script',
  'store',
  'unlink',
  'up',
  'update',
  'upgrade',
  'why',
  'workspace',
  'workspaces',
  'version',
  'versions',
  'global',
  'node',
  'prune',
  'patch',
  'plugin',
  'set',
  'constraints',
  'explain',
  'npm',
  'licenses',
  'owner',
  'tag',
  'team',
  'unplug',
  'env',
  'root',
  'setup',
  'fetch',
  'deploy',
  'licenses',
  'server',
  'doctor',
  'x',
]);

/** bun's own commands (`bun S` runs package script S otherwise). */
const BUN_BUILTINS = new Set([
  'run',
  'test',
  'x',
  'repl',
  'exec',
  'install',
  'i',
  'add',
  'a',
  'remove',
  'rm',
  'update',
  'outdated',
  'link',
  'unlink',
  'pm',
  'build',
  'init',
  'create',
  'c',
  'upgrade',
  'publish',
  'patch',
  'audit',
  'info',
  'why',
  'completions',
  'help',
  'discord',
]);

/** Script names a package-manager command runs, and the directory option it was given. */
export function packageScripts(cmd: SimpleCommand): { scripts: string[]; dir: string | null } | null {
  const tool = cmd.name;
  if (tool !== 'npm' && tool !== 'pnpm' && tool !== 'yarn' && tool !== 'bun') return null;
  const o = readOptions(cmd.argv, 1, { short: tool === 'pnpm' ? 'Cw' : 'w', long: ['--prefix', '--dir', '--cwd', '--workspace', '--filter'] });
  const dir = o.seen.get('--prefix') ?? o.seen.get('--dir') ?? o.seen.get('--cwd') ?? (tool === 'pnpm' ? o.seen.get('-C') : undefined) ?? null;
  const sub = cmd.argv[o.next];
  if (sub === undefined) return null;
  let script: string | undefined;
  if (sub === 'run' || sub === 'run-script' || sub === 'rum' || sub === 'urn') {
    const r = readOptions(cmd.argv, o.next + 1, {});
    script = cmd.argv[r.next];
  } else if (tool === 'npm' || tool === 'pnpm') {
    if (NPM_SCRIPT_SHORTHANDS.has(sub)) script = SHORTHAND_SCRIPT[sub] ?? sub;
    else if (tool === 'pnpm' && !RUNNER_BUILTINS.has(sub)) script = sub;
  } else if (tool === 'yarn' && !RUNNER_BUILTINS.has(sub)) {
    script = sub;
  } else if (tool === 'bun' && !BUN_BUILTINS.has(sub) && !/[./]/.test(sub)) {
    script = sub; // `bun dev`: a package script (`bun x.ts` runs a file, `bun test` is bun's test runner)
  }
  if (!script) return null;
  return { scripts: [`pre${script}`, script, `post${script}`], dir };
}

/** The scripts' text from package.json, with the line each is defined on. */
export function scriptLines(pkgText: string, names: readonly string[]): (RecipeLine & { name: string })[] {
  let pkg: unknown;
  try {
    pkg = JSON.parse(pkgText);
  } catch {
    return [];
  }
  const scripts = (pkg as { scripts?: unknown } | null)?.scripts;
  if (!scripts || typeof scripts !== 'object') return [];
  const out: (RecipeLine & { name: string })[] = [];
  for (const name of names) {
    const text = (scripts as Record<string, unknown>)[name];
    if (typeof text !== 'string') continue;
    const at = pkgText.indexOf(`${JSON.stringify(name)}`, pkgText.indexOf('"scripts"'));
    const line = at < 0 ? 0 : pkgText.slice(0, at).split('\n').length;
    out.push({ name, text, line });
  }
  return out;
}

export const JUSTFILE_NAMES = ['justfile', 'Justfile', '.justfile'];

/** `just [opts] [recipe [args]]`: the recipe names asked for (none: the default). */
export function justGoals(cmd: SimpleCommand): { goals: string[]; file: string | null; dir: string | null } | null {
  if (cmd.name !== 'just') return null;
  const o = readOptions(cmd.argv, 1, {
    short: 'fd',
    long: ['--justfile', '--working-directory', '--set', '--dotenv-filename', '--dotenv-path', '--shell', '--shell-arg', '--color'],
    permute: true,
  });
  for (const flag of [
    '--list',
    '-l',
    '--summary',
    '--dry-run',
    '-n',
    '--show',
    '-s',
    '--evaluate',
    '--dump',
    '--help',
    '-h',
    '--version',
    '-V',
    '--choose',
    '--edit',
    '-e',
    '--fmt',
    '--init',
  ])
    if (o.seen.has(flag)) return null;
  return {
    goals: o.operands,
    file: o.seen.get('-f') ?? o.seen.get('--justfile') ?? null,
    dir: o.seen.get('-d') ?? o.seen.get('--working-directory') ?? null,
  };
}

/** A justfile's recipe bodies for `goals` (names that are not recipes are the first one's arguments). */
export function justRecipes(text: string, goals: readonly string[]): RecipeLine[] {
  const recipes = new Map<string, { deps: string[]; body: RecipeLine[] }>();
  let first: string | null = null;
  let current: { deps: string[]; body: RecipeLine[] } | null = null;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (/^[ \t]+\S/.test(line)) {
      const t = line.trim();
      if (current && !t.startsWith('#')) current.body.push({ text: t.replace(/^[@-]+/, '').replace(/\{\{[^}]*\}\}/g, 'X'), line: i + 1 });
      return;
    }
    current = null;
    const m = /^@?([A-Za-z_][A-Za-z0-9_-]*)([^:=]*):(?!=)(.*)$/.exec(line);
    if (!m) return;
    const deps = m[3]!
      .replace(/#.*$/, '')
      .split(/\s+/)
      .map((d) => d.replace(/^\(|\)$/g, ''))
      .filter((d) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(d));
    current = { deps, body: [] };
    recipes.set(m[1]!, current);
    first ??= m[1]!;
  });
  const named = goals.filter((g) => recipes.has(g));
  const wanted = named.length ? named : recipes.has('default') ? ['default'] : first ? [first] : [];
  const out: RecipeLine[] = [];
  const done = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name) || done.size > 256) return;
    done.add(name);
    const r = recipes.get(name);
    if (!r) return;
    for (const d of r.deps) visit(d);
    out.push(...r.body);
  };
  for (const g of wanted) visit(g);
  return out;
}
