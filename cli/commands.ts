import type { Command } from 'commander';

// One entry per command file; each exports `register(program)`. Loaded lazily: `prodguard log`
// imports log.ts alone, so a command does not pay for zod schemas, SQLite or node-pty it never
// uses (Node's start-up is most of a short command's time).
type CommandModule = { register: (program: Command) => void };

export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  check: () => import('./check.js'),
  explain: () => import('./explain.js'),
  rules: () => import('./rules.js'),
  config: () => import('./config.js'),
  init: () => import('./init.js'),
  daemon: () => import('./daemon.js'),
  log: () => import('./log.js'),
  stats: () => import('./stats.js'),
  verify: () => import('./verify.js'),
  prune: () => import('./prune.js'),
  alert: () => import('./alert.js'),
  doctor: () => import('./doctor.js'),
  wrap: () => import('./wrap.js'),
  completions: () => import('./reference.js'),
  man: () => import('./reference.js'),
  uninstall: () => import('./uninstall.js'),
  prompt: () => import('./prompt.js'),
  hook: () => import('./hook-command.js'),
  allow: () => import('./allow.js'),
};

/** Commands that describe the whole CLI (completions, the man page): every command is loaded for them. */
const WHOLE_TREE = new Set(['completions', 'man']);

/** The modules to load for this argv: the named command's alone, or all of them (help, typos). */
export async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  // `prodguard --version` prints main.ts's version string: no command needs loading.
  if (name === undefined && argv.length > 0 && argv.every((a) => a === '--version' || a === '-V')) return [];
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) && !WHOLE_TREE.has(name) ? COMMANDS[name] : undefined;
  if (load) return [await load()];
  return allCommandModules();
}

/** Every command module once (one module may hold several commands). */
export async function allCommandModules(): Promise<CommandModule[]> {
  return [...new Set(await Promise.all(Object.values(COMMANDS).map((l) => l())))];
}
