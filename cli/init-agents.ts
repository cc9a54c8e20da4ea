import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolvePaths } from '../daemon/paths.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import type { AgentName } from '../daemon/contract/enums.js';
import { UserError } from './errors.js';
import { packageRoot, shq } from './package-root.js';

// `prodguard init claude-code|codex|gemini [--write] [--scope user|project]`: the agent's hook
// configuration, printed, or merged into the agent's settings file: idempotent (our entries are
// replaced, never doubled), every unrelated key and hook kept, a backup of the file first, and
// nothing written into a file that does not parse.

export type Scope = 'user' | 'project';

interface AgentSetup {
  /** Settings file by scope (project: under the current directory). */
  file: (scope: Scope, home: string, cwd: string) => string;
  /** Event name -> the matcher our hook is registered under. */
  events: { pre: string; post: string };
  matcher: string;
  /** The hook entry's timeout, in the agent's unit. */
  timeout: number;
  /** Extra keys of a hook entry. */
  extra: Record<string, unknown>;
  notes: string[];
}

const SETUPS: Record<AgentName, AgentSetup> = {
  'claude-code': {
    file: (scope, home, cwd) => (scope === 'user' ? join(home, '.claude', 'settings.json') : join(cwd, '.claude', 'settings.json')),
    events: { pre: 'PreToolUse', post: 'PostToolUse' },
    matcher: 'Bash',
    timeout: 10, // seconds
    extra: {},
    notes: [],
  },
  codex: {
    file: (scope, home, cwd) => (scope === 'user' ? join(home, '.codex', 'hooks.json') : join(cwd, '.codex', 'hooks.json')),
    events: { pre: 'PreToolUse', post: 'PostToolUse' },
    matcher: 'Bash',
    timeout: 10, // seconds
    extra: {},
    notes: ['Codex runs hooks only with `[features] codex_hooks = true` in ~/.codex/config.toml, and asks you to trust a new hook once.'],
  },
  gemini: {
    file: (scope, home, cwd) => (scope === 'user' ? join(home, '.gemini', 'settings.json') : join(cwd, '.gemini', 'settings.json')),
    events: { pre: 'BeforeTool', post: 'AfterTool' },
    matcher: 'run_shell_command',
    timeout: 10_000, // milliseconds
    extra: { name: 'prodguard' },
    notes: [],
  },
};

/** Our own entries, whatever path they were written with: `.../prodguard-hook <agent>` or `prodguard hook <agent>`. */
const OURS = /prodguard(-hook'?|'?\s+hook)\s+(claude-code|codex|gemini)\b/;

/**
 * The command the agent runs: bin/prodguard-hook (the fork-free bash entry), with this node for
 * the Node entry it hands over to when the daemon is down, and PRODGUARD_HOME when this instance
 * uses one. Arguments, not VAR=value prefixes: an agent may split the command into words itself.
 */
export function hookCommand(agent: AgentName, post: boolean, env: NodeJS.ProcessEnv = process.env): string {
  const home = resolvePaths(env).home;
  const bin = join(packageRoot(), 'bin', 'prodguard-hook');
  return [shq(bin), agent, ...(post ? ['--post'] : []), ...(home ? ['--home', shq(home)] : []), '--node', shq(process.execPath)].join(' ');
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The `hooks` fragment of the agent's settings. */
export function snippet(agent: AgentName, env: NodeJS.ProcessEnv = process.env): { hooks: Record<string, unknown[]> } {
  const s = SETUPS[agent];
  const entry = (post: boolean) => ({
    matcher: s.matcher,
    hooks: [{ ...s.extra, type: 'command', command: hookCommand(agent, post, env), timeout: s.timeout }],
  });
  return { hooks: { [s.events.pre]: [entry(false)], [s.events.post]: [entry(true)] } };
}

/** `settings` with our hook entries replaced by `ours`; throws UserError on a shape it will not touch. */
export function mergeSettings(settings: Obj, ours: { hooks: Record<string, unknown[]> }, file: string): Obj {
  const hooks = settings.hooks ?? {};
  if (!isObj(hooks)) throw new UserError(`${file}: "hooks" is not an object; fix it by hand (nothing was written)`, EXIT.CONFIG);
  const merged: Obj = { ...hooks };
  for (const [event, entries] of Object.entries(ours.hooks)) {
    const list = merged[event] ?? [];
    if (!Array.isArray(list)) throw new UserError(`${file}: "hooks.${event}" is not a list; fix it by hand (nothing was written)`, EXIT.CONFIG);
    const kept: unknown[] = [];
    for (const group of list) {
      if (!isObj(group) || !Array.isArray(group.hooks)) {
        kept.push(group);
        continue;
      }
      const others = group.hooks.filter((h) => !(isObj(h) && typeof h.command === 'string' && OURS.test(h.command)));
      if (others.length === group.hooks.length) kept.push(group);
      else if (others.length > 0) kept.push({ ...group, hooks: others });
    }
    merged[event] = [...kept, ...entries];
  }
  return { ...settings, hooks: merged };
}

function readSettings(file: string): { settings: Obj; text: string | null } {
  if (!existsSync(file)) return { settings: {}, text: null };
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return { settings: {}, text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UserError(`cannot parse ${file} (${(err as Error).message.split('\n')[0]}): fix it or move it aside; nothing was written`, EXIT.CONFIG);
  }
  if (!isObj(parsed)) throw new UserError(`${file} does not hold a JSON object: fix it or move it aside; nothing was written`, EXIT.CONFIG);
  return { settings: parsed, text };
}

const stamp = (): string =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export interface InitAgentOptions {
  write?: boolean;
  scope?: string;
}

export function runInitAgent(agent: AgentName, o: InitAgentOptions): void {
  const scope = o.scope ?? 'user';
  if (scope !== 'user' && scope !== 'project') throw new UserError(`unknown scope "${scope}": use --scope user or --scope project`);
  const setup = SETUPS[agent];
  const file = setup.file(scope, process.env.HOME || homedir(), process.cwd());
  const ours = snippet(agent);
  if (!o.write) {
    process.stdout.write(`${JSON.stringify(ours, null, 2)}\n`);
    process.stderr.write(
      [
        `# merge this into ${file}, or run: prodguard init ${agent} --write${scope === 'project' ? ' --scope project' : ''}`,
        ...setup.notes.map((n) => `# ${n}`),
        '',
      ].join('\n'),
    );
    return;
  }
  const { settings, text } = readSettings(file);
  const merged = mergeSettings(settings, ours, file);
  const out = `${JSON.stringify(merged, null, 2)}\n`;
  if (text !== null && JSON.stringify(JSON.parse(text.trim() === '' ? '{}' : text)) === JSON.stringify(merged)) {
    process.stdout.write(`prodguard: the ${agent} hook is already in ${file}; nothing changed\n`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let backup: string | null = null;
  if (text !== null) {
    backup = `${file}.prodguard-backup-${stamp()}`;
    copyFileSync(file, backup);
  }
  const mode = text !== null ? statSync(file).mode & 0o777 : 0o600;
  const tmp = `${file}.prodguard-${process.pid}.tmp`;
  writeFileSync(tmp, out, { mode });
  renameSync(tmp, file);
  process.stdout.write(`prodguard: added the ${agent} hook to ${file}${backup ? ` (backup: ${backup})` : ''}\n`);
  for (const n of setup.notes) process.stdout.write(`note: ${n}\n`);
}
