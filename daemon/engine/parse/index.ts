// Entry point of the shell parser: `parseLine` turns one command line into every simple command
// it would execute (after unwrapping sudo/env/bash -c/ssh/...), the database statements it
// carries, and the problems met. It never throws; see parser.ts for why it is hand-written.

import { ParseContext } from './context.js';
import { parseSource } from './parser.js';
import type { ParsedLine } from './types.js';
import { resolveCommand } from './unwrap.js';

export type { ParsedLine, Redirect, SimpleCommand, Statement } from './types.js';
export { MAX_DEPTH } from './context.js';

export function parseLine(line: string): ParsedLine {
  const text = typeof line === 'string' ? line : String(line ?? '');
  const ctx: ParseContext = new ParseContext(
    text.length,
    (r) => parseSource(r.text, ctx, r.depth, { via: r.via, assignments: r.assignments, ...(r.stdin !== undefined ? { stdin: r.stdin } : {}) }),
    (raw, scope, depth) => resolveCommand(ctx, raw, scope, depth),
  );
  try {
    parseSource(text, ctx, 0, { via: [], assignments: {} });
  } catch (e) {
    // A bug must not take the guard down: report it and keep what was parsed.
    ctx.problem(`internal parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { commands: ctx.commands, statements: ctx.statements, problems: ctx.problems };
}
