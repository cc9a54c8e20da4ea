// Statement scanner for SQL as the interactive clients see it: statements end at the delimiter
// (`;`, or mysql's DELIMITER) outside strings, identifiers, dollar quotes and comments; psql
// backslash commands and sqlite dot-commands are whole lines. Output is normalized: comments
// dropped, whitespace collapsed, literals kept byte for byte. One pass, linear time.

import { StatementBuilder } from './builder.js';
import { blockComment, dollarTagAt, lineCommentAt, lineEnd, nestsComments, opensQuote, PsqlNesting, quoteEnd, WS, type SqlFlavor } from './lex.js';

export type { SqlFlavor } from './lex.js';

export interface SqlScan {
  /** Complete statements, normalized, without their delimiter. */
  statements: string[];
  /** The normalized text after the last complete statement ('' when nothing is pending). */
  rest: string;
  /** The text ends inside a string, quoted identifier, dollar quote or block comment. */
  open: boolean;
}

// Characters that interrupt a run of ordinary text, by char code (all ASCII): the run loop below
// is the scanner's hottest (a Set lookup of a one-character string per character was half of it).
const SPECIAL = new Uint8Array(128);
for (const ch of [...WS, "'", '"', '`', '[', '$', '-', '#', '/', '*', '\\', ';']) SPECIAL[ch.charCodeAt(0)] = 1;

const TRIGGER = /^CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s/i;

/** Within `CREATE TRIGGER ... BEGIN ...` and not just after its `END` (parts: the statement so far). */
function insideTrigger(parts: string[]): boolean {
  if (!TRIGGER.test(parts.slice(0, 8).join(''))) return false;
  for (let k = parts.length - 1; k >= 0; k--) {
    const p = parts[k]!;
    if (p === ' ') continue;
    return p.toUpperCase() !== 'END';
  }
  return true;
}

function collapse(s: string): string {
  return s.trim().split(/\s+/).join(' ');
}

export function scanSql(text: string, flavor: SqlFlavor = 'generic'): SqlScan {
  const n = text.length;
  const b = new StatementBuilder();
  let delim = ';';
  let execComment = false; // inside mysql `/*!50000 ... */`, whose body runs
  const psql = flavor === 'postgres' ? new PsqlNesting() : null;
  const emit = (): void => {
    b.emit();
    psql?.reset();
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (WS.has(c)) {
      b.space = true;
      i++;
      continue;
    }
    if (b.parts.length === 0) {
      // Client commands that take the rest of the line: psql `\x`, sqlite `.x`, mysql DELIMITER.
      if (c === '\\' || (c === '.' && flavor !== 'mysql' && flavor !== 'postgres')) {
        const e = lineEnd(text, i);
        const line = collapse(text.slice(i, e));
        if (line) b.statements.push(line);
        i = e;
        continue;
      }
      if (flavor === 'mysql' && /^delimiter[ \t]/i.test(text.slice(i, i + 10))) {
        const e = lineEnd(text, i);
        const arg = collapse(text.slice(i + 9, e)).split(' ')[0];
        // a delimiter is compared at every position: keep it short so the scan stays linear
        if (arg) delim = arg.slice(0, 16);
        i = e;
        continue;
      }
    }
    if (text.startsWith(delim, i)) {
      if ((flavor === 'sqlite' && insideTrigger(b.parts)) || psql?.open) {
        // sqlite: a trigger body's `;` does not end CREATE TRIGGER; `END;` does
        b.push(delim);
        i += delim.length;
        continue;
      }
      emit();
      i += delim.length;
      continue;
    }
    if (lineCommentAt(text, i, flavor)) {
      i = lineEnd(text, i);
      b.space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      if (flavor === 'mysql' && text[i + 2] === '!') {
        i += 3;
        while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
        execComment = true;
        b.space = true;
        continue;
      }
      const e = blockComment(text, i, nestsComments(flavor)).end;
      if (e < 0) {
        b.open = true;
        i = n;
      } else i = e;
      b.space = true;
      continue;
    }
    if (c === '*' && execComment && text[i + 1] === '/') {
      execComment = false;
      b.space = true;
      i += 2;
      continue;
    }
    if (opensQuote(c, flavor)) {
      const e = quoteEnd(text, i, flavor);
      i = b.literal(text, i, e < 0 ? -1 : e + 1);
      continue;
    }
    const tag = dollarTagAt(text, i, flavor);
    if (tag) {
      const e = text.indexOf(tag, i + tag.length);
      i = b.literal(text, i, e < 0 ? -1 : e + tag.length);
      continue;
    }
    if (c === '\\' && (text[i + 1] === 'g' || text[i + 1] === 'G') && flavor !== 'sqlite') {
      // psql/mysql `\g`, `\G`: send the statement (psql `\gx`, `\gset` too)
      emit();
      i = flavor === 'postgres' ? lineEnd(text, i) : i + 2;
      continue;
    }
    let j = i + 1;
    const d0 = delim.charCodeAt(0);
    for (let k = text.charCodeAt(j); j < n && !(k < 128 && SPECIAL[k] === 1) && k !== d0; k = text.charCodeAt(++j));
    const run = text.slice(i, j);
    psql?.feed(run);
    b.push(run);
    i = j;
  }
  return { statements: b.statements, rest: b.rest, open: b.open };
}
