// Statement scanner for SQL as the interactive clients see it: statements end at the delimiter
// (`;`, or mysql's DELIMITER) outside strings, identifiers, dollar quotes and comments; psql
// backslash commands and sqlite dot-commands are whole lines. Output is normalized: comments
// dropped, whitespace collapsed, literals kept byte for byte. One pass, linear time.

/** Which client's lexical rules apply. `generic` is standard SQL (PostgreSQL-like). */
export type SqlFlavor = 'postgres' | 'mysql' | 'sqlite' | 'generic';

export interface SqlScan {
  /** Complete statements, normalized, without their delimiter. */
  statements: string[];
  /** The normalized text after the last complete statement ('' when nothing is pending). */
  rest: string;
  /** The text ends inside a string, quoted identifier, dollar quote or block comment. */
  open: boolean;
}

const WS = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
// Characters that interrupt a run of ordinary text.
const SPECIAL = new Set([...WS, "'", '"', '`', '$', '-', '#', '/', '*', '\\', ';']);
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** Whether a backslash escapes the next character inside the quote opened at `i`. */
function backslashEscapes(text: string, i: number, flavor: SqlFlavor): boolean {
  if (flavor === 'mysql') return text[i] !== '`';
  // PostgreSQL E'...' strings
  if (flavor === 'postgres' || flavor === 'generic') {
    const p = text[i - 1];
    return text[i] === "'" && (p === 'E' || p === 'e') && !isIdentChar(text[i - 2]);
  }
  return false;
}

/** Index of the closing quote of the literal opened at `i`, or -1 when unterminated. */
function quoteEnd(text: string, i: number, flavor: SqlFlavor): number {
  const q = text[i]!;
  const esc = backslashEscapes(text, i, flavor);
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (esc && c === '\\') j += 2;
    else if (c === q) {
      if (text[j + 1] === q) j += 2;
      else return j;
    } else j++;
  }
  return -1;
}

/** End (exclusive) of the block comment opened at `i`; PostgreSQL nests them. -1 if unterminated. */
function commentEnd(text: string, i: number, nested: boolean): number {
  if (!nested) {
    const e = text.indexOf('*/', i + 2);
    return e < 0 ? -1 : e + 2;
  }
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      j += 2;
      if (--depth === 0) return j;
    } else j++;
  }
  return -1;
}

function lineEnd(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e;
}

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

/**
 * psql's own rule (psqlscan.l): `;` ends a statement only outside parentheses and outside the
 * BEGIN ... END body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies, where
 * CASE ... END nests too).
 */
class PsqlNesting {
  paren = 0;
  begin = 0;
  private ids = '';
  private count = 0;

  reset(): void {
    this.paren = 0;
    this.begin = 0;
    this.ids = '';
    this.count = 0;
  }

  get open(): boolean {
    return this.paren > 0 || this.begin > 0;
  }

  /** Feeds a run of ordinary text (no quotes, comments or whitespace). */
  feed(run: string): void {
    const n = run.length;
    let i = 0;
    while (i < n) {
      const c = run[i]!;
      if (c === '(') this.paren++;
      else if (c === ')') {
        if (this.paren > 0) this.paren--;
      } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
        let j = i + 1;
        while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(run[j]!)) j++;
        this.identifier(run.slice(i, j).toLowerCase());
        i = j;
        continue;
      }
      i++;
    }
  }

  private identifier(id: string): void {
    if (this.count < 4) this.ids += ['create', 'function', 'procedure', 'or', 'replace'].includes(id) ? id[0] : '-';
    this.count++;
    const routine = this.ids.startsWith('cf') || this.ids.startsWith('cp') || this.ids.startsWith('corf') || this.ids.startsWith('corp');
    if (!routine || this.paren > 0) return;
    if (id === 'begin') this.begin++;
    else if (id === 'case') {
      if (this.begin >= 1) this.begin++;
    } else if (id === 'end' && this.begin > 0) this.begin--;
  }
}

export function scanSql(text: string, flavor: SqlFlavor = 'generic'): SqlScan {
  const n = text.length;
  const statements: string[] = [];
  let parts: string[] = [];
  let space = false;
  let open = false;
  let delim = ';';
  let execComment = false; // inside mysql `/*!50000 ... */`, whose body runs
  const psql = flavor === 'postgres' ? new PsqlNesting() : null;
  const push = (s: string): void => {
    if (space && parts.length > 0) parts.push(' ');
    space = false;
    parts.push(s);
  };
  const emit = (): void => {
    const t = parts.join('').trim();
    if (t) statements.push(t);
    parts = [];
    space = false;
    psql?.reset();
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (WS.has(c)) {
      space = true;
      i++;
      continue;
    }
    if (parts.length === 0) {
      // Client commands that take the rest of the line: psql `\x`, sqlite `.x`, mysql DELIMITER.
      if (c === '\\' || (c === '.' && flavor !== 'mysql' && flavor !== 'postgres')) {
        const e = lineEnd(text, i);
        const line = collapse(text.slice(i, e));
        if (line) statements.push(line);
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
      if ((flavor === 'sqlite' && insideTrigger(parts)) || psql?.open) {
        // sqlite: a trigger body's `;` does not end CREATE TRIGGER; `END;` does
        push(delim);
        i += delim.length;
        continue;
      }
      emit();
      i += delim.length;
      continue;
    }
    if (c === '-' && text[i + 1] === '-' && (flavor !== 'mysql' || i + 2 >= n || WS.has(text[i + 2]!))) {
      i = lineEnd(text, i);
      space = true;
      continue;
    }
    if (c === '#' && flavor === 'mysql') {
      i = lineEnd(text, i);
      space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      if (flavor === 'mysql' && text[i + 2] === '!') {
        i += 3;
        while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
        execComment = true;
        space = true;
        continue;
      }
      const e = commentEnd(text, i, flavor === 'postgres' || flavor === 'generic');
      if (e < 0) {
        open = true;
        i = n;
      } else i = e;
      space = true;
      continue;
    }
    if (c === '*' && execComment && text[i + 1] === '/') {
      execComment = false;
      space = true;
      i += 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const e = quoteEnd(text, i, flavor);
      if (e < 0) {
        open = true;
        push(text.slice(i));
        i = n;
      } else {
        push(text.slice(i, e + 1));
        i = e + 1;
      }
      continue;
    }
    if (c === '$' && flavor !== 'mysql' && flavor !== 'sqlite' && !isIdentChar(text[i - 1])) {
      const m = DOLLAR_TAG.exec(text.slice(i, i + 66));
      if (m) {
        const tag = m[0];
        const e = text.indexOf(tag, i + tag.length);
        if (e < 0) {
          open = true;
          push(text.slice(i));
          i = n;
        } else {
          push(text.slice(i, e + tag.length));
          i = e + tag.length;
        }
        continue;
      }
    }
    if (c === '\\' && (text[i + 1] === 'g' || text[i + 1] === 'G') && flavor !== 'sqlite') {
      // psql/mysql `\g`, `\G`: send the statement (psql `\gx`, `\gset` too)
      emit();
      i = flavor === 'postgres' ? lineEnd(text, i) : i + 2;
      continue;
    }
    let j = i + 1;
    const d0 = delim[0]!;
    while (j < n && !SPECIAL.has(text[j]!) && text[j] !== d0) j++;
    const run = text.slice(i, j);
    psql?.feed(run);
    push(run);
    i = j;
  }
  return { statements, rest: parts.join('').trim(), open };
}
