// A small reader for the argument lists of calls in interpreter code: string literals (with the
// language's quoting and interpolation), concatenations, list literals, and anything else as a
// run-time placeholder. It reads just enough to turn `os.system("rm -rf " + p)` into the shell
// text `rm -rf $p`; it never evaluates code. Every loop advances, and a call's arguments are
// read from a bounded window, so hostile code stays linear.

import type { Language } from './languages.js';

/** One argument: a string expression (literal text with `$name` placeholders), or a list of them. */
export type Arg =
  | { kind: 'str'; text: string; literal: boolean }
  | { kind: 'list'; items: { text: string; literal: boolean }[] }
  | { kind: 'other'; text: string; raw: string };

export interface Args {
  args: Arg[];
  /** Index after the closing `)` (or where reading stopped). */
  end: number;
  /** The argument text as written, for keyword tests (`shell=True`, `recursive: true`). */
  raw: string;
}

/** Longest argument list read for one call. */
export const MAX_ARGS_TEXT = 4096;

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

function isIdent(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** A placeholder for text only known at run time, shaped as a shell variable (`$path`). */
function placeholder(expr: string): string {
  if (/^\s*\$\d+\s*$/.test(expr)) return expr.trim(); // awk fields, perl $1
  const m = /[A-Za-z_][A-Za-z0-9_]*/.exec(expr.replace(/^\s*(?:self|this)\./, ''));
  return `$${m ? m[0] : 'EXPR'}`;
}

/** Calls that only build a path from their arguments: `Path("/srv")`, `os.path.join("/srv", "x")`, `path.resolve(...)`. */
const PATH_CALL = /^\s*(?:[\w.]*\.)?(?:Path|PurePath|PosixPath|str|expanduser|abspath|realpath|normpath|join|resolve)\s*\(/;

/** The path a path-building call yields, when its arguments are strings. */
function pathCall(term: string, lang: Language): { text: string; literal: boolean } | null {
  const m = PATH_CALL.exec(term);
  if (!m || !term.trimEnd().endsWith(')')) return null;
  const inner = new ExprReader(term, lang, m[0].length).readArgs(false);
  const parts = inner.args.filter((a) => a.kind === 'str');
  if (!parts.length || inner.end < term.trimEnd().length) return null;
  return {
    text: parts
      .map((a) => a.text)
      .join('/')
      .replace(/\/{2,}/g, '/'),
    literal: parts.every((a) => a.literal),
  };
}

export class ExprReader {
  pos: number;
  private readonly limit: number;

  constructor(
    readonly code: string,
    readonly lang: Language,
    start: number,
  ) {
    this.pos = start;
    this.limit = Math.min(code.length, start + MAX_ARGS_TEXT);
  }

  private skipSpace(): void {
    const s = this.code;
    while (this.pos < this.limit) {
      const c = s[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || (c === '\\' && s[this.pos + 1] === '\n')) this.pos += c === '\\' ? 2 : 1;
      else break;
    }
  }

  /** Reads `a, b, c)` from pos (just after the `(`); with `bare`, reads to the end of the statement (`system "x"`). */
  readArgs(bare: boolean): Args {
    const start = this.pos;
    const args: Arg[] = [];
    for (let guard = 0; guard < 64 && this.pos < this.limit; guard++) {
      this.skipSpace();
      const c = this.code[this.pos];
      if (c === undefined) break;
      if (!bare && c === ')') {
        const raw = this.code.slice(start, this.pos);
        this.pos++;
        return { args, end: this.pos, raw };
      }
      if (bare && (c === ';' || c === '\n' || c === '}' || c === ')')) break;
      const before = this.pos;
      args.push(this.readArg(bare));
      this.skipSpace();
      if (this.code[this.pos] === ',') this.pos++;
      else if (this.pos === before) this.pos++;
      else if (bare && /^(?:or|and|if|unless)\b|^\|\||^&&/.test(this.code.slice(this.pos, this.pos + 6))) break;
    }
    return { args, end: this.pos, raw: this.code.slice(start, this.pos) };
  }

  /** One argument: a list literal, a keyword argument, or a string expression. */
  private readArg(bare: boolean): Arg {
    const s = this.code;
    const c = s[this.pos]!;
    if (c === '[' || (this.lang === 'php' && /^array\s*\(/.test(s.slice(this.pos, this.pos + 7))) || (this.lang === 'perl' && c === '(')) {
      return this.readList();
    }
    if (this.lang === 'ruby' && s.startsWith('%w', this.pos) && OPEN[s[this.pos + 2] ?? ''] !== undefined) {
      const close = OPEN[s[this.pos + 2]!]!;
      const e = s.indexOf(close, this.pos + 3);
      const body = s.slice(this.pos + 3, e < 0 ? this.limit : e);
      this.pos = e < 0 ? this.limit : e + 1;
      return {
        kind: 'list',
        items: body
          .split(/\s+/)
          .filter(Boolean)
          .map((text) => ({ text, literal: true })),
      };
    }
    return this.readExpr(bare);
  }

  private readList(): Arg {
    const s = this.code;
    const close = s[this.pos] === '[' ? ']' : ')';
    this.pos = s[this.pos] === 'a' ? s.indexOf('(', this.pos) + 1 : this.pos + 1;
    const items: { text: string; literal: boolean }[] = [];
    for (let guard = 0; guard < 256 && this.pos < this.limit; guard++) {
      this.skipSpace();
      if (s[this.pos] === close) {
        this.pos++;
        break;
      }
      const before = this.pos;
      const e = this.readExpr(false);
      items.push(e.kind === 'str' ? { text: e.text, literal: e.literal } : { text: placeholder(e.kind === 'other' ? e.raw : ''), literal: false });
      this.skipSpace();
      if (s[this.pos] === ',') this.pos++;
      else if (this.pos === before) this.pos++;
    }
    return { kind: 'list', items };
  }

  /** Terms joined by the language's concatenation (`+`, `.`, juxtaposition): literal text and placeholders. */
  readExpr(bare: boolean): Arg {
    const s = this.code;
    const start = this.pos;
    let text = '';
    let literal = true;
    let strings = 0;
    for (let guard = 0; guard < 64 && this.pos < this.limit; guard++) {
      this.skipSpace();
      const lit = this.readString();
      if (lit) {
        text += lit.text;
        literal &&= lit.literal;
        strings++;
      } else {
        const before = this.pos;
        const term = this.skipTerm(bare);
        if (this.pos === before) break;
        if (/^\s*(?:\w+\s*=(?!=)|\w+\s*:\s|:\w+\s*=>)/.test(term)) {
          // a keyword argument (`shell=True`, `recursive: true`): not part of the string
          return strings ? { kind: 'str', text, literal } : { kind: 'other', text: '', raw: term };
        }
        const path = pathCall(term, this.lang);
        if (path) {
          text += path.text;
          literal &&= path.literal;
          strings++;
        } else {
          text += placeholder(term);
          literal = false;
        }
      }
      this.skipSpace();
      const op = s[this.pos];
      if (op === '+' || (op === '.' && (this.lang === 'perl' || this.lang === 'php'))) {
        this.pos++;
        continue;
      }
      if (this.lang === 'awk' || this.lang === 'python') {
        // juxtaposition concatenates in awk (`"rm " $1`) and between Python literals (`"a" "b"`)
        const next = s[this.pos];
        if (next === '"' || next === "'" || (this.lang === 'awk' && (next === '$' || isIdent(next)))) continue;
      }
      break;
    }
    if (strings === 0) return { kind: 'other', text: placeholder(s.slice(start, this.pos)), raw: s.slice(start, this.pos) };
    return { kind: 'str', text, literal };
  }

  /** Skips one non-string term (a name, a call, an index): balanced brackets, up to `,` `)` or an operator. */
  private skipTerm(bare: boolean): string {
    const s = this.code;
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.limit) {
      const c = s[this.pos]!;
      if (c === '"' || c === "'" || c === '`') {
        if (!this.readString()) this.pos++;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (c === ',' || c === '+' || c === ';' || c === '\n' || (bare && c === ' ' && this.pos > start))) break;
      else if (depth === 0 && c === '.' && (this.lang === 'perl' || this.lang === 'php') && s[this.pos + 1] !== '.') break;
      this.pos++;
    }
    return s.slice(start, this.pos);
  }

  /** A string literal at pos, in the language's syntax; null when none starts here. */
  readString(): { text: string; literal: boolean } | null {
    const s = this.code;
    let p = this.pos;
    let prefix = '';
    if (this.lang === 'python') {
      const m = /^[rRbBuUfF]{1,2}(?=['"])/.exec(s.slice(p, p + 3));
      if (m) {
        prefix = m[0].toLowerCase();
        p += m[0].length;
      }
    }
    if ((this.lang === 'perl' || this.lang === 'ruby') && (s[p] === 'q' || s[p] === '%')) {
      // perl q{...} qq{...}; ruby %q(...) %Q(...) %(...)
      const m = this.lang === 'perl' ? /^qq?\s*([{(\[<\/|!#])/.exec(s.slice(p, p + 4)) : /^%[qQ]?([{(\[<|!])/.exec(s.slice(p, p + 3));
      if (!m) return null;
      const open = m[1]!;
      const close = OPEN[open] ?? open;
      const bodyStart = p + m[0].length;
      const e = this.closing(bodyStart, open, close);
      this.pos = e < 0 ? this.limit : e + 1;
      const body = s.slice(bodyStart, e < 0 ? this.limit : e);
      const interpolates = !/^q\s*[^q]/.test(s.slice(p, p + 3)) && !s.startsWith('%q', p);
      return this.interpolate(body, interpolates && this.lang === 'ruby' ? 'ruby' : 'none');
    }
    const q = s[p];
    if (q !== '"' && q !== "'" && !(q === '`' && this.lang === 'js')) return null;
    const triple = this.lang === 'python' && s.startsWith(q.repeat(3), p);
    const open = triple ? 3 : 1;
    let e = p + open;
    let body = '';
    const raw = prefix.includes('r') || (q === "'" && (this.lang === 'perl' || this.lang === 'php' || this.lang === 'ruby'));
    while (e < this.limit) {
      const c = s[e]!;
      if (c === '\\' && e + 1 < s.length) {
        const d = s[e + 1]!;
        if (raw) body += d === q || d === '\\' ? d : c + d;
        else body += d === 'n' ? '\n' : d === 't' ? '\t' : d;
        e += 2;
        continue;
      }
      if (triple ? s.startsWith(q.repeat(3), e) : c === q) break;
      body += c;
      e++;
    }
    this.pos = Math.min(e + open, this.limit);
    if (q === '`') return this.interpolate(body, 'js');
    if (prefix.includes('f')) return this.interpolate(body, 'python');
    if (q === '"' && this.lang === 'ruby') return this.interpolate(body, 'ruby');
    if (q === '"' && (this.lang === 'perl' || this.lang === 'php')) return { text: body, literal: !/\$\w/.test(body) };
    return { text: body, literal: true };
  }

  private closing(p: number, open: string, close: string): number {
    const s = this.code;
    let depth = 0;
    for (; p < this.limit; p++) {
      const c = s[p];
      if (c === '\\') p++;
      else if (c === close && depth === 0) return p;
      else if (c === close) depth--;
      else if (c === open && open !== close) depth++;
    }
    return -1;
  }

  /** `f"{x}"`, `` `${x}` ``, `"#{x}"`: interpolations become `$x` placeholders. */
  private interpolate(body: string, style: 'python' | 'js' | 'ruby' | 'none'): { text: string; literal: boolean } {
    const re = style === 'python' ? /\{([^{}]*)\}/g : style === 'js' ? /\$\{([^{}]*)\}/g : style === 'ruby' ? /#\{([^{}]*)\}/g : null;
    if (!re) return { text: body, literal: true };
    let literal = true;
    const text = body.replace(re, (_, expr: string) => {
      literal = false;
      return placeholder(expr);
    });
    return { text, literal };
  }
}
