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
  const qc = q.charCodeAt(0);
  const doubles = text[i] !== '['; // `[...]` has no escape
  if (!backslashEscapes(text, i, flavor)) {
    // No escapes: the next quote ends it unless doubled (indexOf, not a loop per character).
    for (let j = text.indexOf(q, i + 1); j >= 0; j = text.indexOf(q, j + 2)) if (!doubles || text.charCodeAt(j + 1) !== qc) return j;
    return -1;
  }
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === qc) {
      if (doubles && text.charCodeAt(j + 1) === qc) j += 2;
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

/** First letters (lower case) of the words the nesting reads (create function procedure or replace begin case end): any other word is ''. */
const WORD_INITIALS = new Set([...'cfporbe'].map((ch) => ch.charCodeAt(0)));
/** The first words of a routine, one letter each: create function, create procedure, create or replace ... */
const ROUTINE_HEADS = ['cf', 'cp', 'corf', 'corp'];
const HEAD_WORDS = new Set(['create', 'function', 'procedure', 'or', 'replace']);

export class PsqlNesting {
  paren = 0;
  begin = 0;
  private ids = '';
  private count = 0;
  private past = false;

  reset(): void {
    this.paren = 0;
    this.begin = 0;
    this.ids = '';
    this.count = 0;
    this.past = false;
  }

  clone(): PsqlNesting {
    return Object.assign(new PsqlNesting(), this);
  }

  /** The statement's first words can no longer make it a routine: nothing but parentheses matters. */
  get settled(): boolean {
    return this.past;
  }

  get open(): boolean {
    return this.paren > 0 || this.begin > 0;
  }

  /** Feeds a run of ordinary text (no quotes, comments or whitespace). */
  feed(run: string): void {
    this.feedRange(run, 0, run.length);
  }

  /** Feeds text[from, to), a run of ordinary text, without copying it. */
  feedRange(run: string, from: number, n: number): void {
    let i = from;
    if (this.settled) {
      for (; i < n; i++) {
        const c = run.charCodeAt(i);
        if (c === 40) this.paren++;
        else if (c === 41 && this.paren > 0) this.paren--;
      }
      return;
    }
    while (i < n) {
      const c = run.charCodeAt(i);
      if (c === 40)
        this.paren++; // (
      else if (c === 41) {
        if (this.paren > 0) this.paren--; // )
      } else if (idStart(c)) {
        let j = i + 1;
        while (j < n && idPart(run.charCodeAt(j))) j++;
        this.identifier(j - i <= 9 && WORD_INITIALS.has(c | 32) ? run.slice(i, j).toLowerCase() : '');
        i = j;
        // A statement whose first words make no routine stays none: the rest is parentheses
        // (a 1 MB file of INSERTs has a million identifiers).
        if (this.settled) {
          this.feedRange(run, i, n);
          return;
        }
        continue;
      }
      i++;
    }
  }

  private routine(): boolean {
    // ROUTINE_HEADS, written out: this runs for each of a statement's first words
    return this.ids.startsWith('cf') || this.ids.startsWith('cp') || this.ids.startsWith('corf') || this.ids.startsWith('corp');
  }

  private identifier(id: string): void {
    if (this.count < 4) this.ids += HEAD_WORDS.has(id) ? id[0] : '-';
    this.count++;
    if (!this.routine() && !ROUTINE_HEADS.some((h) => h.startsWith(this.ids))) this.past = true;
    if (!this.routine() || this.paren > 0) return;
    if (id === 'begin') this.begin++;
    else if (id === 'case') {
      if (this.begin >= 1) this.begin++;
    } else if (id === 'end' && this.begin > 0) this.begin--;
  }
}
