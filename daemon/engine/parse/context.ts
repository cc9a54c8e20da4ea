import type { Redirect, SimpleCommand, Statement } from './types.js';

// Shared state of one parseLine call: the output, the problems, the limits that keep the
// parser bounded on hostile input (nesting depth, and a work budget for re-parsed text), and the
// text still to parse again. Plain data: it holds no callbacks, so the modules that share it
// depend one way (parser -> unwrap -> interp, each -> context).

/** Deepest nesting of `$(`, backticks, `bash -c`, `eval`, `ssh` re-parses before we stop descending. */
export const MAX_DEPTH = 64;
/** Most wrappers peeled off one simple command (`sudo sudo sudo ... rm`). */
export const MAX_UNWRAP = 64;
/**
 * Most simple commands (and statements) reported for one line. A line past this is hostile or
 * generated; parsing stops and a problem says so (the verdict must not treat it as clean).
 */
export const MAX_COMMANDS = 10_000;

/** A word after quote removal. Expansions (`$x`, `$(...)`) are kept as written in `value`. */
export interface Word {
  value: string;
  /** No expansion anywhere in the word: its value is known before the shell runs. */
  literal: boolean;
  /** Some part of the word was quoted or escaped (so it is never a reserved word or a glob). */
  quoted: boolean;
  /** Unquoted glob characters (`*`, `?`, `[`) or an extglob. */
  glob: boolean;
  /** Unquoted `{` in a fully literal word: a brace-expansion candidate (`{rm,-rf,/x}`). */
  brace: boolean;
  start: number;
  end: number;
}

/** One simple command as the grammar sees it, before wrappers are peeled off. */
export interface RawCommand {
  src: string;
  start: number;
  end: number;
  words: Word[];
  assignments: Record<string, string>;
  redirects: Redirect[];
  /** Here-document bodies and here-strings, in order. */
  stdin?: string;
  /** Assignment names whose value is not literal (`X=$(cmd)`). */
  dynamicAssignments?: string[];
  /** The command whose output is piped into this one (`echo SQL | psql`). */
  pipeFrom?: RawCommand | undefined;
  /** What this command writes to stdout when that is knowable (echo/printf/cat of a here-doc). */
  out?: string | undefined;
}

/** Where a parse happens: the wrappers above it and what it inherits. */
export interface Scope {
  via: string[];
  assignments: Record<string, string>;
  /** Data on standard input of the first command (a here-doc given to `ssh host` or `bash`). */
  stdin?: string;
  /** `$0`, `$1`, ... of a `bash -c STRING arg0 arg1` string, when known. */
  positional?: string[];
}

/**
 * Text that must be parsed as shell again (a `bash -c` string, `eval` arguments, a remote ssh
 * command, interpreter code's shell equivalent). The unwrapper only asks (ParseContext.reparse);
 * the parser runs the request right after the command that asked was resolved.
 */
export interface Reparse {
  text: string;
  via: string[];
  depth: number;
  assignments: Record<string, string>;
  /** Data on the re-parsed line's standard input, handed to its first command (`ssh h psql <<EOF`). */
  stdin?: string;
  positional?: string[];
}

export class ParseContext {
  readonly commands: SimpleCommand[] = [];
  readonly statements: Statement[] = [];
  private readonly seen = new Set<string>();
  readonly problems: string[] = [];
  /** `NAME=literal` set earlier on the line (`RM=rm; $RM -rf x`), for resolving `$NAME` command names. */
  private readonly vars = new Map<string, string>();
  /** Characters we may still spend re-scanning text (re-parses, arithmetic probes): keeps the total linear. */
  private budget: number;
  /** Re-parses asked for while resolving the current command, in the order asked. */
  private reparses: Reparse[] = [];

  constructor(lineLength: number) {
    this.budget = lineLength + 65_536;
  }

  /** Asks for `r.text` to be parsed as a shell line of its own (after the current command). */
  reparse(r: Reparse): void {
    this.reparses.push(r);
  }

  /** The re-parses asked for since the last call, oldest first; the queue is left empty. */
  takeReparses(): Reparse[] {
    const taken = this.reparses;
    if (taken.length > 0) this.reparses = [];
    return taken;
  }

  /** True once MAX_COMMANDS commands or statements were recorded: parsers stop. */
  get full(): boolean {
    if (this.commands.length < MAX_COMMANDS && this.statements.length < MAX_COMMANDS) return false;
    this.problem(`more than ${MAX_COMMANDS} commands or statements: the rest of the line was not parsed`);
    return true;
  }

  /** Records assignments that ran on their own (or via export/declare/...): literal ones become known. */
  assign(values: Record<string, string>, dynamicNames: readonly string[] = []): void {
    const dynamic = new Set(dynamicNames);
    for (const [k, v] of Object.entries(values)) {
      if (dynamic.has(k)) this.vars.delete(k);
      else this.vars.set(k, v);
    }
  }

  /** The words a `$NAME` / `"${NAME}"` command word stands for, when NAME was set literally on this line. */
  constant(w: Word): Word[] | null {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(w.value);
    const v = m ? this.vars.get(m[1] ?? m[2]!) : undefined;
    if (v === undefined) return null;
    const values = w.quoted ? [v] : v.split(/[ \t\n]+/).filter((x) => x !== '');
    if (values.length === 0) return null;
    return values.map((value) => ({ ...w, value, literal: true, glob: false, brace: false }));
  }

  /** Characters of re-scan budget left. */
  get remaining(): number {
    return this.budget;
  }

  problem(msg: string): void {
    if (this.seen.has(msg)) return;
    this.seen.add(msg);
    this.problems.push(msg);
  }

  /** Spend `n` characters of re-scan budget; false (and a problem) when it is exhausted. */
  spend(n: number): boolean {
    if (this.budget < n) {
      this.problem('work limit reached: some nested text was not re-parsed');
      return false;
    }
    this.budget -= n;
    return true;
  }

  /** Whether a nested parse at `depth` is allowed; records the problem once when it is not. */
  canDescend(depth: number): boolean {
    if (depth <= MAX_DEPTH) return true;
    this.problem(`nesting depth limit (${MAX_DEPTH}) reached: deeper text was not parsed`);
    return false;
  }
}
