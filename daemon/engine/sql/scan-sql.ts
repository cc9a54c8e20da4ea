// Statement scanner for SQL as the interactive clients see it: statements end at the delimiter
// (`;`, or mysql's DELIMITER) outside strings, identifiers, dollar quotes and comments; psql
// backslash commands and sqlite dot-commands are whole lines. Output is normalized: comments
// dropped, whitespace collapsed, literals kept byte for byte. One pass, linear time.
//
// Built for files (a 1 MB migration is ~21,000 statements): char codes and a class table instead
// of one-character strings, and no token list. A statement is kept as a span of the input for as
// long as the input is already normal (tokens separated by exactly one blank, no comment), so
// the usual statement is one slice; only where the input differs is the text copied. A statement
// that is normal and plain to its delimiter (normalStatementEnd) is not tokenized at all.

import { blockComment, dollarTagAt, lineEnd, nestsComments, PsqlNesting, quoteEnd, type SqlFlavor } from './lex.js';
import { StatementList } from './statement-list.js';

export type { SqlFlavor } from './lex.js';

export interface SqlScan {
  /** Complete statements, normalized, without their delimiter. */
  statements: string[];
  /** Offset in the text of each statement's first character (same order as `statements`). */
  starts: number[];
  /** The normalized text after the last complete statement ('' when nothing is pending). */
  rest: string;
  /** Offset of `rest`'s first character (-1 when `rest` is ''). */
  restStart: number;
  /** The text ends inside a string, quoted identifier, dollar quote or block comment. */
  open: boolean;
}

/** Character classes by char code (all ASCII): 1 whitespace, 2 interrupts a run of ordinary text. */
const WS_CLASS = 1;
const SPECIAL_CLASS = 2;
const CLASS = new Uint8Array(128);
for (const ch of ' \t\n\r\f\v') CLASS[ch.charCodeAt(0)] = WS_CLASS;
for (const ch of '\'"`[$-#/*\\;') CLASS[ch.charCodeAt(0)] = SPECIAL_CLASS;

/** psql: parentheses are tokens of their own (3), so a run past a statement's 4th word needs no feeding. */
const PAREN_CLASS = 3;
const PSQL_CLASS = CLASS.slice();
PSQL_CLASS[40] = PAREN_CLASS;
PSQL_CLASS[41] = PAREN_CLASS;

const isWs = (k: number): boolean => k < 128 && CLASS[k] === WS_CLASS;

// A statement that is already normal to its `;`, as one sticky regex (native code, ~2x the char
// loop): ordinary characters, single blanks not before a blank or the `;`, `-` and `/` that open
// no comment, and '...' / "..." literals without a backslash (which may escape in mysql and
// E'...'). psql: a `(` must close before the `;` (one level of nesting here; deeper, or anything
// else, goes to the token scanner). Characters outside these, whatever they mean in a flavor,
// send the statement to the token scanner.
const ORDINARY = String.raw`[^\0-\x20'"\x60$#\\;()\[\-/\x7f]|-(?!-)|/(?!\*)| (?![ ;])|'[^'\\]*'|"[^"\\]*"`;
const NORMAL_STATEMENT = new RegExp(`(?:${ORDINARY}|[()])*;`, 'y');
const NORMAL_PSQL_STATEMENT = new RegExp(String.raw`(?:${ORDINARY}|\((?:${ORDINARY})*\)|\))*;`, 'y');

/**
 * Where the statement starting at `i` ends (its `;`) when the text up to it is already normal and
 * nothing in it changes where it ends; -1 when the token scanner must decide. Only called where
 * the delimiter is `;` and no mysql executable comment is open.
 */
function normalStatementEnd(text: string, i: number, psqlNesting: boolean): number {
  if (psqlNesting && firstLetterIsC(text, i)) return -1; // CREATE FUNCTION ... BEGIN ATOMIC nests `;`
  const re = psqlNesting ? NORMAL_PSQL_STATEMENT : NORMAL_STATEMENT;
  re.lastIndex = i;
  return re.test(text) ? re.lastIndex - 1 : -1;
}

/** Whether the first word outside literals from `i` starts with c or C (psql's identifier rules). */
function firstLetterIsC(text: string, i: number): boolean {
  for (let k = i; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 39 || c === 34) {
      k = quoteEnd(text, k, 'postgres');
      if (k < 0) return false;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80) return c === 99 || c === 67;
  }
  return false;
}

const TRIGGER = /^CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s/i;
const DELIMITER = /^delimiter[ \t]/i;

function collapse(s: string): string {
  return s.trim().split(/\s+/).join(' ');
}

/**
 * The statement being built: normalized text so far (`done`) plus a span of the input still
 * growing (`from`..`to`). Tokens are joined by one blank where the input had whitespace or a
 * comment; literals are kept whole. `parts` counts tokens and blanks as a token list would (the
 * sqlite trigger rule reads the first 8), `lastFrom`/`lastTo` is the last token.
 */
class OpenStatement {
  done = '';
  from = -1;
  to = -1;
  /** Whitespace or a comment came since the last token. */
  space = false;
  parts = 0;
  /** Normalized length when the 8th part was added (-1: fewer parts so far). */
  head8 = -1;
  lastFrom = 0;
  lastTo = 0;
  /** Offset of the first token. */
  start = -1;

  constructor(private readonly text: string) {}

  get empty(): boolean {
    return this.parts === 0;
  }

  private get length(): number {
    return this.done.length + (this.from < 0 ? 0 : this.to - this.from);
  }

  private counted(): void {
    if (++this.parts === 8) this.head8 = this.length;
  }

  /** Appends the token text[s, e). */
  push(s: number, e: number): void {
    if (this.parts === 0) this.start = s;
    else if (this.space) {
      // One plain blank between the span and this token: the span grows over it.
      if (this.to === s - 1 && this.text.charCodeAt(this.to) === 32) {
        this.to = s;
      } else {
        this.flush();
        this.done += ' ';
      }
      this.counted();
    }
    this.space = false;
    if (this.from >= 0 && this.to !== s) this.flush();
    if (this.from < 0) this.from = s;
    this.to = e;
    this.lastFrom = s;
    this.lastTo = e;
    this.counted();
  }

  private flush(): void {
    if (this.from >= 0) this.done += this.text.slice(this.from, this.to);
    this.from = -1;
    this.to = -1;
  }

  /** The statement so far is text[from, to) as it stands (nothing was copied). */
  get verbatim(): boolean {
    return this.done === '' && this.from >= 0;
  }

  /** The statement so far, normalized. */
  value(): string {
    const t = this.from < 0 ? this.done : this.done ? this.done + this.text.slice(this.from, this.to) : this.text.slice(this.from, this.to);
    return t.trim();
  }

  /** The text of the first 8 parts (or all of them). */
  head(): string {
    const v = this.done + (this.from < 0 ? '' : this.text.slice(this.from, this.to));
    return this.head8 < 0 ? v : v.slice(0, this.head8);
  }

  lastToken(): string {
    return this.text.slice(this.lastFrom, this.lastTo);
  }

  reset(): void {
    this.done = '';
    this.from = -1;
    this.to = -1;
    this.space = false;
    this.parts = 0;
    this.head8 = -1;
    this.start = -1;
  }
}

export interface ScanOptions {
  /** Take a statement that is already normal in one step (normalStatementEnd); tests compare with false. */
  wholeStatements?: boolean;
}

export function scanSql(text: string, flavor: SqlFlavor = 'generic', options: ScanOptions = {}): SqlScan {
  const list = new StatementList(text);
  const r = scanSqlInto(list, flavor, options);
  return { statements: list.texts(), starts: Array.from(list.startOffsets()), ...r };
}

/** scanSql, keeping the complete statements in `list` (over the text to scan, `list.source`). */
export function scanSqlInto(list: StatementList, flavor: SqlFlavor = 'generic', options: ScanOptions = {}): Omit<SqlScan, 'statements' | 'starts'> {
  const text = list.source;
  const n = text.length;
  const b = new OpenStatement(text);
  let open = false;
  let delim = ';';
  let d0 = 59;
  let execComment = false; // inside mysql `/*!50000 ... */`, whose body runs
  const psql = flavor === 'postgres' ? new PsqlNesting() : null;
  const mysql = flavor === 'mysql';
  const sqlite = flavor === 'sqlite';
  const dotCommands = !mysql && flavor !== 'postgres';
  const backtickQuotes = flavor !== 'postgres';
  const dollarQuotes = !mysql && !sqlite;
  const nested = nestsComments(flavor);
  const classes = psql ? PSQL_CLASS : CLASS;
  const wholeStatements = options.wholeStatements ?? true;
  const emit = (): void => {
    if (b.verbatim) list.addSlice(b.from, b.to);
    else list.addText(b.value(), b.start);
    b.reset();
    psql?.reset();
  };
  /** sqlite: within `CREATE TRIGGER ... BEGIN ...` and not just after its `END`. */
  const insideTrigger = (): boolean => TRIGGER.test(b.head()) && b.lastToken().toUpperCase() !== 'END';
  /** Appends text[i, e) as a literal (e < 0: unterminated, to the end); returns where scanning resumes. */
  const literal = (i: number, e: number): number => {
    if (e < 0) {
      open = true;
      e = n;
    }
    b.push(i, e);
    return e;
  };

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const cls = c < 128 ? classes[c]! : 0;
    if (cls === WS_CLASS) {
      b.space = true;
      i++;
      continue;
    }
    if (b.empty) {
      // Client commands that take the rest of the line: psql `\x`, sqlite `.x`, mysql DELIMITER.
      if (c === 92 || (c === 46 && dotCommands)) {
        const e = lineEnd(text, i);
        list.addText(collapse(text.slice(i, e)), i);
        i = e;
        continue;
      }
      if (mysql && (c === 100 || c === 68) && DELIMITER.test(text.slice(i, i + 10))) {
        const e = lineEnd(text, i);
        const arg = collapse(text.slice(i + 9, e)).split(' ')[0];
        // a delimiter is compared at every position: keep it short so the scan stays linear
        if (arg) {
          delim = arg.slice(0, 16);
          d0 = delim.charCodeAt(0);
        }
        i = e;
        continue;
      }
      // (sqlite: a CREATE TRIGGER ends at `END;`, not its first `;`; psql: normalStatementEnd)
      if (wholeStatements && delim === ';' && !execComment && !(sqlite && (c === 99 || c === 67))) {
        const e = normalStatementEnd(text, i, psql !== null);
        if (e > i) {
          list.addSlice(i, e);
          b.reset();
          i = e + 1;
          continue;
        }
      }
    }
    if (c === d0 && (delim.length === 1 || text.startsWith(delim, i))) {
      if ((sqlite && insideTrigger()) || psql?.open) {
        // sqlite: a trigger body's `;` does not end CREATE TRIGGER; `END;` does
        b.push(i, i + delim.length);
        i += delim.length;
        continue;
      }
      emit();
      i += delim.length;
      continue;
    }
    if (cls === SPECIAL_CLASS) {
      const c1 = text.charCodeAt(i + 1);
      // line comments: `--` (mysql: followed by a blank or the end), mysql's `#`
      if ((c === 45 && c1 === 45 && (!mysql || i + 2 >= n || isWs(text.charCodeAt(i + 2)))) || (c === 35 && mysql)) {
        i = lineEnd(text, i);
        b.space = true;
        continue;
      }
      if (c === 47 && c1 === 42) {
        if (mysql && text.charCodeAt(i + 2) === 33) {
          i += 3;
          for (let k = text.charCodeAt(i); k >= 48 && k <= 57; k = text.charCodeAt(++i));
          execComment = true;
          b.space = true;
          continue;
        }
        const e = blockComment(text, i, nested).end;
        if (e < 0) {
          open = true;
          i = n;
        } else i = e;
        b.space = true;
        continue;
      }
      if (c === 42 && execComment && c1 === 47) {
        execComment = false;
        b.space = true;
        i += 2;
        continue;
      }
      if (c === 39 || c === 34 || (c === 96 && backtickQuotes) || (c === 91 && sqlite)) {
        const e = quoteEnd(text, i, flavor);
        i = literal(i, e < 0 ? -1 : e + 1);
        continue;
      }
      if (c === 36 && dollarQuotes) {
        const tag = dollarTagAt(text, i, flavor);
        if (tag) {
          const e = text.indexOf(tag, i + tag.length);
          i = literal(i, e < 0 ? -1 : e + tag.length);
          continue;
        }
      }
      if (c === 92 && (c1 === 103 || c1 === 71) && !sqlite) {
        // psql/mysql `\g`, `\G`: send the statement (psql `\gx`, `\gset` too)
        emit();
        i = flavor === 'postgres' ? lineEnd(text, i) : i + 2;
        continue;
      }
    }
    if (cls === PAREN_CLASS && psql) {
      // psql only: a parenthesis never joins an identifier, so it can be a token of its own
      if (c === 40) psql.paren++;
      else if (psql.paren > 0) psql.paren--;
      b.push(i, i + 1);
      i++;
      continue;
    }
    // A run of ordinary text: up to the next whitespace, special character or delimiter start.
    let j = i + 1;
    for (let k = text.charCodeAt(j); j < n && !(k < 128 && classes[k] !== 0) && k !== d0; k = text.charCodeAt(++j));
    if (psql && !psql.settled) psql.feedRange(text, i, j);
    b.push(i, j);
    i = j;
  }
  const rest = b.value();
  return { rest, restStart: rest ? b.start : -1, open };
}
