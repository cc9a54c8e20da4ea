import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHook, type HookShell } from '../../cli/init.js';
import { loadConfig } from '../../daemon/config/load.js';
import { resolvePaths } from '../../daemon/paths.js';
import { waitFor } from '../helpers/daemon.js';
import { spawnShell, type ShellSession } from '../helpers/pty.js';

// A real interactive shell with the prodguard hook loaded (exactly what `prodguard init` prints)
// against a PRODGUARD_HOME, plus the few moves every hook test makes.

/** The prompt every test shell shows (the production marker goes in front of it). */
export const PROMPT = /PG\$ $/;
/** The hook's own question (the daemon's message before it names the phrase too). */
export const QUESTION = /Type "([^"]+)" to run it \(anything else cancels\)/;

export interface GuardedOptions {
  home: string;
  env?: Record<string, string>;
  /** rc lines before / after the hook (HISTCONTROL, an existing PROMPT_COMMAND, ...). */
  before?: string;
  after?: string;
}

export async function guardedShell(shell: HookShell, o: GuardedOptions): Promise<ShellSession> {
  const paths = resolvePaths({ PRODGUARD_HOME: o.home });
  const hook = renderHook({ shell, config: loadConfig(paths), paths });
  const prompt = shell === 'bash' ? "PS1='PG$ '" : "PROMPT='PG$ '\nunsetopt PROMPT_SP";
  const sh = await spawnShell({
    shell,
    rc: [prompt, o.before ?? '', hook, o.after ?? ''].join('\n'),
    env: { PRODGUARD_HOME: o.home, NO_COLOR: '1', PRODGUARD_NO_AUTOSTART: '1', ...o.env },
  });
  await sh.waitFor(PROMPT);
  return sh;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Types a line and waits for the prompt that follows its echo (zsh may redraw one more prompt
 * after a refused line: that one comes before the echo); returns what the line printed.
 */
export async function runLine(sh: ShellSession, line: string, timeoutMs = 10_000): Promise<string> {
  const since = sh.mark();
  sh.line(line);
  await sh.waitFor(new RegExp(`${escapeRe(line)}[\\s\\S]*${PROMPT.source}`), { since, timeoutMs });
  return sh.text().slice(since);
}

/** Types a line that must be questioned; returns the phrase asked for. */
export async function expectQuestion(sh: ShellSession, keys: string): Promise<string> {
  const since = sh.mark();
  sh.write(keys);
  const m = await sh.waitFor(QUESTION, { since });
  return m[1]!;
}

/**
 * Answers the open question and waits for the prompt. zsh redraws the prompt and the line before
 * a confirmed line runs, and that redraw can be read as the next prompt: `until` (what the line
 * prints) makes it wait for the prompt after that output.
 */
export async function answer(sh: ShellSession, text: string, opts: { until?: RegExp } = {}): Promise<string> {
  const since = sh.mark();
  sh.write(`${text}\r`);
  await sh.waitFor(opts.until ? new RegExp(`${opts.until.source}[\\s\\S]*${PROMPT.source}`) : PROMPT, { since });
  return sh.text().slice(since);
}

/** A scratch directory with one file in it: what `rm -rf` is pointed at. */
export function victim(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function scratch(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pg-victims-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface EventRow {
  seq: number;
  kind: string;
  cmd: number | null;
  command: string | null;
  decision: string | null;
  exit: number | null;
  duration_ms: number | null;
  via: string;
  shell: string;
}

/** Waits until the daemon's audit DB holds rows of this shell (by pid) that satisfy `pred`. */
export function rowsOf(query: (sql: string, ...p: unknown[]) => EventRow[], pid: number): EventRow[] {
  return query('SELECT seq, kind, cmd, command, decision, exit, duration_ms, via, shell FROM events WHERE pid = ? ORDER BY seq', pid);
}

export async function waitRows(
  query: (sql: string, ...p: unknown[]) => EventRow[],
  pid: number,
  pred: (rows: EventRow[]) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<EventRow[]> {
  let last: EventRow[] = [];
  try {
    return await waitFor(
      () => {
        last = rowsOf(query, pid);
        return pred(last) ? last : null;
      },
      what,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; rows: ${JSON.stringify(last.map((r) => [r.kind, r.cmd, r.command, r.decision, r.exit, r.via]))}`);
  }
}
