import type { Dialect } from '../../contract/enums.js';

// What the shell parser hands to the rule matcher. Plain data, no behaviour.

/** One simple command the line would execute, after unwrapping sudo/env/bash -c/ssh/... */
export interface SimpleCommand {
  /** argv after quote removal; argv[0] keeps its path (`/bin/rm`), see `name`. */
  argv: string[];
  /** basename of argv[0] with a leading backslash removed (`\rm`, `/bin/rm` -> `rm`). */
  name: string;
  /** `VAR=value` prefixes, including those given through `env`. */
  assignments: Record<string, string>;
  /** Wrappers peeled off to reach this command, outermost first: `sudo`, `bash -c`, `ssh web1`, `$(...)`, `xargs`, `find -exec`. */
  via: string[];
  /** True when argv[0] is not a literal word (`$RM -rf`, `$(echo rm)`): the matcher cannot know the program. */
  dynamicName: boolean;
  /** The text of the command as written in the line (for explanations). */
  source: string;
  /** Redirections of the command as written (`> /dev/sda`, `2>&1`); here-docs appear with op `<<`. */
  redirects?: Redirect[];
  /** argv of the command piped into this one when all its words are literal (`cat F | psql`). */
  pipedFrom?: string[];
  /** `file:line` when the command comes from a file the line runs (reach/), or `alias x`/`function f`. */
  origin?: string;
}

/** One redirection: operator (`>`, `>>`, `<`, `&>`, `>&`, `<<`, ...), its target word, and the fd if given. */
export interface Redirect {
  op: string;
  target: string;
  fd?: number;
}

/** A statement handed to a database client: SQL, a redis command, or mongosh JavaScript. */
export interface Statement {
  dialect: Dialect;
  /** Statement text, comments stripped, whitespace collapsed, no trailing `;`. */
  text: string;
  /** The client that receives it (`psql`, `mysql`, `sqlite3`, `redis-cli`, `mongosh`). */
  client: string;
  /** Index into ParsedLine.commands of the client command that carried it. */
  command: number;
  /** `file:line` when the statement comes from a file the line feeds to the client (reach/). */
  origin?: string;
}

export interface ParsedLine {
  commands: SimpleCommand[];
  statements: Statement[];
  /** Parse problems (unbalanced quote, depth limit, ...). The parser still returns what it could. */
  problems: string[];
  /** What reach/ did not read and why (`drop.sql: not read: too large`); told, never fail-closed. */
  notes?: string[];
  /** Commands the shell's own alias or function stands for (reach/ appends what it runs): not unknown tools. */
  shellDefined?: Set<number>;
}
