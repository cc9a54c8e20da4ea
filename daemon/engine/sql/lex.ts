// The lexical rules the SQL clients share, by flavor: which quotes open a literal or quoted
// identifier and where it ends, block comments (nested in PostgreSQL), line comments, dollar
// quotes, and psql's `;`-suppressing nesting. Used by scanSql (whole texts, for the rule
// matcher) and by `prodguard wrap` (which feeds a client's input a line at a time).

/** Which client's lexical rules apply. `generic` is standard SQL (PostgreSQL-like). */
export type SqlFlavor = 'postgres' | 'mysql' | 'sqlite' | 'generic';

export const WS = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

export function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** Whether `c` opens a string or quoted identifier (PostgreSQL: a backtick is an operator). */
export function opensQuote(c: string, flavor: SqlFlavor): boolean {
  return c === "'" || c === '"' || (c === '`' && flavor !== 'postgres') || (c === '[' && flavor === 'sqlite');
}

/** The character that closes the quote `q`. */
export function quoteCloser(q: string): string {
  return q === '[' ? ']' : q;
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
export function quoteEnd(text: string, i: number, flavor: SqlFlavor): number {
  const q = quoteCloser(text[i]!);
  const esc = backslashEscapes(text, i, flavor);
  const doubles = text[i] !== '['; // `[...]` has no escape
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (esc && c === '\\') j += 2;
    else if (c === q) {
      if (doubles && text[j + 1] === q) j += 2;
      else return j;
    } else j++;
  }
  return -1;
}

/** Whether block comments nest (PostgreSQL's do). */
export function nestsComments(flavor: SqlFlavor): boolean {
  return flavor === 'postgres' || flavor === 'generic';
}

/**
 * The block comment opened at `i`: its end (exclusive), or -1 when unterminated, and then how
 * many levels are still open.
 */
export function blockComment(text: string, i: number, nested: boolean): { end: number; depth: number } {
  if (!nested) {
    const e = text.indexOf('*/', i + 2);
    return e < 0 ? { end: -1, depth: 1 } : { end: e + 2, depth: 0 };
  }
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      j += 2;
      if (--depth === 0) return { end: j, depth };
    } else j++;
  }
  return { end: -1, depth };
}

/** Whether a comment to the end of the line starts at `i` (mysql: `-- ` needs a blank, and `#`). */
export function lineCommentAt(text: string, i: number, flavor: SqlFlavor): boolean {
  if (text[i] === '#') return flavor === 'mysql';
  return text[i] === '-' && text[i + 1] === '-' && (flavor !== 'mysql' || i + 2 >= text.length || WS.has(text[i + 2]!));
}

export function lineEnd(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e;
}

/** The dollar-quote tag (`$$`, `$fn$`) opening at `i`, or null (`$1` parameters, other flavors). */
export function dollarTagAt(text: string, i: number, flavor: SqlFlavor): string | null {
  if (text[i] !== '$' || flavor === 'mysql' || flavor === 'sqlite' || isIdentChar(text[i - 1])) return null;
  return DOLLAR_TAG.exec(text.slice(i, i + 66))?.[0] ?? null;
}

/**
 * psql's own rule (psqlscan.l): `;` ends a statement only outside parentheses and outside the
 * BEGIN ... END body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies, where
 * CASE ... END nests too).
 */
/** `[A-Za-z_\u0080-\uffff]` and `[A-Za-z0-9_$\u0080-\uffff]` on a UTF-16 code unit, without a regex per character. */
const idStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
const idPart = (c: number): boolean => idStart(c) || (c >= 48 && c <= 57) || c === 36;

export class PsqlNesting {
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

  clone(): PsqlNesting {
    return Object.assign(new PsqlNesting(), this);
  }

  get open(): boolean {
    return this.paren > 0 || this.begin > 0;
  }

  /** Feeds a run of ordinary text (no quotes, comments or whitespace). */
  feed(run: string): void {
    const n = run.length;
    let i = 0;
    while (i < n) {
      const c = run.charCodeAt(i);
      if (c === 40)
        this.paren++; // (
      else if (c === 41) {
        if (this.paren > 0) this.paren--; // )
      } else if (idStart(c)) {
        let j = i + 1;
        while (j < n && idPart(run.charCodeAt(j))) j++;
        // Past the 4th word a statement that is no routine stays none: count it, skip the copy
        // (a 1 MB file of INSERTs has a million identifiers).
        if (this.count >= 4 && !this.routine()) this.count++;
        else this.identifier(run.slice(i, j).toLowerCase());
        i = j;
        continue;
      }
      i++;
    }
  }

  private routine(): boolean {
    return this.ids.startsWith('cf') || this.ids.startsWith('cp') || this.ids.startsWith('corf') || this.ids.startsWith('corp');
  }

  private identifier(id: string): void {
    if (this.count < 4) this.ids += ['create', 'function', 'procedure', 'or', 'replace'].includes(id) ? id[0] : '-';
    this.count++;
    if (!this.routine() || this.paren > 0) return;
    if (id === 'begin') this.begin++;
    else if (id === 'case') {
      if (this.begin >= 1) this.begin++;
    } else if (id === 'end' && this.begin > 0) this.begin--;
  }
}
