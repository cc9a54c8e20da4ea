// Entry point of the shell parser: `parseLine` turns one command line into every simple command
// it would execute (after unwrapping sudo/env/bash -c/ssh/...), the database statements it
// carries, and the problems met. It never throws; see parser.ts for why it is hand-written.
//
// Known limits (a line parser cannot know what only the running shell knows):
// - aliases and functions defined earlier in the session (`alias nuke='rm -rf'`, then `nuke /`);
//   functions defined on the same line do count (their bodies are parsed).
// - text that is not on the line: `sh script.sh`, `source <(...)` output, `psql -f drop.sql`,
//   `mysql < drop.sql`, `base64 -d | sh` (a download run at once, `curl ... | bash`, is recorded
//   as a `(downloaded code)` command by interp/downloads.ts).
// - values of variables not assigned literally earlier on the same line: `$RM -rf x` stays a
//   dynamic name (`dynamicName: true`), and arguments keep their `$VAR` spelling.
// - interpreter code (`python -c`, `node -e`, here-docs to python3, awk programs) is not shell:
//   interp/ translates the calls it recognises into shell lines, parsed one level deeper.
// - output of compound commands is not followed into pipes (`for ...; done | psql`), nor are their
//   redirections recorded (`{ ...; } > f`); a bare `> f` is the null command `:` with that redirect.
// - bounded work: nesting deeper than MAX_DEPTH, more than MAX_COMMANDS commands, or re-parsing
//   more text than the budget stops early and says so in `problems`; a line with problems should
//   not be treated as clean.

import { ParseContext } from './context.js';
import { parseSource } from './parser.js';
import type { ParsedLine } from './types.js';

export type { ParsedLine, Redirect, SimpleCommand, Statement } from './types.js';
export { MAX_DEPTH } from './context.js';

export function parseLine(line: string): ParsedLine {
  const text = typeof line === 'string' ? line : String(line ?? '');
  const ctx = new ParseContext(text.length);
  try {
    parseSource(text, ctx, 0, { via: [], assignments: {} });
  } catch (e) {
    // A bug must not take the guard down: report it and keep what was parsed.
    ctx.problem(`internal parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { commands: ctx.commands, statements: ctx.statements, problems: ctx.problems };
}
