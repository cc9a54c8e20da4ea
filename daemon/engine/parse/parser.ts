// Hand-written, linear-time shell parser (bash/zsh subset that matters for guarding).
//
// Why not a WASM parser (mvdan/sh's `sh-syntax`, tree-sitter-bash): both cost a WASM
// instantiation at startup and an async API on the hot path, neither gives us control over word
// expansion (we need `r''m` -> `rm` but `$RM` kept as a dynamic name), and dcg's experience
// ("nested $( hung the parser") shows we need hard structural limits we can enforce ourselves.
// Here: one pass over the text; every construct that re-scans text (`$(` nesting, backticks,
// `bash -c`, `eval`, arithmetic probes) is bounded by MAX_DEPTH and a character budget, so any
// input finishes in time linear in its length. No regex runs on unbounded input except simple,
// non-backtracking ones.
//
// The parser does not build a tree: it hands each simple command (argv words, assignments,
// redirections, here-doc/here-string input, the command piped into it) to unwrap.ts's
// resolveCommand, which peels wrappers (sudo, env, ...) and extracts database statements. Text a
// wrapper runs as shell (`bash -c`, `eval`, `ssh host cmd`, interpreter code) is only queued by
// unwrap (ParseContext.reparse) and parsed here right after that command: unwrap knows nothing
// of the parser, so the modules depend one way (parser -> unwrap).

import { decodeAnsiC } from './ansi-c.js';
import { expandBraces } from './braces.js';
import type { ParseContext, RawCommand, Reparse, Scope, Word } from './context.js';
import { opensQuote, quoteEnd, skipBalanced } from './quotes.js';
import { resolveCommand } from './unwrap.js';

const NL = 10,
  TAB = 9,
  CR = 13,
  SP = 32,
  BANG = 33,
  DQ = 34,
  HASH = 35,
  DOLLAR = 36,
  AMP = 38,
  SQ = 39,
  LP = 40,
  RP = 41,
  STAR = 42,
  PLUS = 43,
  SEMI = 59,
  LT = 60,
  EQ = 61,
  GT = 62,
  QM = 63,
  AT = 64,
  LBRACKET = 91,
  BSL = 92,
  BQ = 96,
  LBRACE = 123,
  PIPE = 124,
  RBRACE = 125;

/** Text just before a redirection that belongs to a compound command (`}`, `)`, `done`, `fi`, `esac`). */
const AFTER_COMPOUND = /(?:[})]|(?:^|[\s;&|])(?:done|fi|esac))[ \t]*$/;
/** Redirection operators, longest first. */
const REDIRECT_OPS = ['&>>', '&>', '<<<', '<<-', '<<', '<>', '<&', '>>', '>&', '>|', '<', '>'];

/** Characters that end an unquoted word. */
const META = new Uint8Array(128);
for (const c of [NL, TAB, CR, SP, SEMI, AMP, PIPE, LP, RP, LT, GT]) META[c] = 1;

/** Longest word we brace-expand (`{rm,-rf,/x}`, `/srv/{a,b}`); longer ones stay as written. */
const MAX_BRACE_WORD = 1024;
const NAMED_FD = /^\{[A-Za-z_][A-Za-z0-9_]*\}[<>]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\n]*\])?\+?=/;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** `$?`, `$$`, `$!`, `$#`, `$@`, `$*`, `$-`. */
function isSpecialParam(c: number): boolean {
  return c === QM || c === DOLLAR || c === BANG || c === HASH || c === AT || c === STAR || c === 45;
}

interface PendingHeredoc {
  cmd: RawCommand;
  delim: string;
  strip: boolean;
  quoted: boolean;
}

/** Parses `text` as a shell line of its own (a `bash -c` string, a backtick body, ...). */
export function parseSource(text: string, ctx: ParseContext, depth: number, scope: Scope): void {
  new ShellParser(text, ctx, depth, scope).parseAll();
}

/** Where a parser stops: at the end of its text, or at the `)` closing the `$(`/`<(` it reads. */
type Until = 'end of text' | 'closing paren';

/** What a scanner read: the index after it, and whether that text expands (`$x`, `$(...)`) or was quoted. */
interface Scanned {
  end: number;
  expands: boolean;
  quoted: boolean;
}

/** What the word scanner has seen of the word so far. */
interface WordShape {
  literal: boolean;
  quoted: boolean;
  glob: boolean;
  brace: boolean;
}

export class ShellParser {
  pos = 0;
  private cur: RawCommand | null = null;
  private pipeFrom: RawCommand | undefined;
  private queue: RawCommand[] = [];
  private heredocs: PendingHeredoc[] = [];
  private parenDepth = 0;
  /** One entry per open `case`; pattern mode reads `pat1 | pat2)`. */
  private cases = 0;
  private patternMode = false;
  private inArray = false;
  /** The current command has a `NAME=value` prefix (so a reserved word is no longer recognised). */
  private assigned = false;
  private stdinGiven = false;

  constructor(
    readonly src: string,
    readonly ctx: ParseContext,
    readonly depth: number,
    readonly scope: Scope,
  ) {}

  /** Parses from pos to the end of the text. */
  parseAll(): void {
    this.run('end of text');
  }

  /** Parses the body of a `$(` or `<(` from pos; leaves pos after the `)` that closes it. */
  parseSubstitution(): void {
    this.run('closing paren');
  }

  private run(until: Until): void {
    const closer = until === 'closing paren';
    const s = this.src;
    const n = s.length;
    while (this.pos < n) {
      const c = s.charCodeAt(this.pos);
      if (c === SP || c === TAB || c === CR) {
        this.pos++;
        continue;
      }
      if (c === BSL && s.charCodeAt(this.pos + 1) === NL) {
        this.pos += 2;
        continue;
      }
      if (this.ctx.full) {
        this.pos = n;
        break;
      }
      if (c === HASH) {
        this.skipComment();
        continue;
      }
      if (this.patternMode) {
        if (c === RP && closer && this.cases === 0) break;
        this.readPattern();
        continue;
      }
      switch (c) {
        case NL:
          this.pos++;
          this.endCommand();
          this.readHeredocs();
          continue;
        case SEMI: {
          this.endCommand();
          const d = s.charCodeAt(this.pos + 1);
          if (d === SEMI || d === AMP) {
            this.pos += 2;
            if (d === SEMI && s.charCodeAt(this.pos) === AMP) this.pos++;
            if (this.cases > 0) this.patternMode = true;
          } else this.pos++;
          continue;
        }
        case AMP: {
          const d = s.charCodeAt(this.pos + 1);
          if (d === GT) {
            this.redirect();
            continue;
          }
          this.endCommand();
          this.pos += d === AMP ? 2 : 1;
          continue;
        }
        case PIPE: {
          const d = s.charCodeAt(this.pos + 1);
          if (d === PIPE) {
            this.endCommand();
            this.pos += 2;
          } else {
            this.pipeCommand();
            this.pos += d === AMP ? 2 : 1;
          }
          continue;
        }
        case LP:
          this.openParen();
          continue;
        case RP:
          this.endCommand();
          this.pos++;
          if (this.parenDepth > 0) {
            this.parenDepth--;
            continue;
          }
          if (closer) {
            this.finish();
            return;
          }
          this.ctx.problem("unexpected ')'");
          continue;
        case LT:
        case GT:
          if (s.charCodeAt(this.pos + 1) === LP) this.processSubstitution(c === LT ? '<(...)' : '>(...)');
          else this.redirect();
          continue;
      }
      if (c === LBRACE && NAMED_FD.test(s.slice(this.pos, this.pos + 80))) {
        this.redirect(); // `exec {fd}>file`
        continue;
      }
      if (isDigit(c)) {
        let q = this.pos + 1;
        while (q < n && isDigit(s.charCodeAt(q))) q++;
        const d = s.charCodeAt(q);
        if ((d === LT || d === GT) && s.charCodeAt(q + 1) !== LP) {
          this.redirect();
          continue;
        }
      }
      const before = this.pos;
      const w = this.scanWord();
      if (w) this.addWord(w);
      else if (this.pos === before) this.pos++;
    }
    this.endCommand();
    if (this.heredocs.length > 0) {
      this.ctx.problem('unterminated here-document');
      this.heredocs = [];
    }
    this.finish();
    if (closer) this.ctx.problem('unterminated command substitution');
  }

  private finish(): void {
    this.endCommand();
    // Here-docs announced inside `$(...)` but never read: the commands still count.
    this.heredocs = [];
    this.flush();
  }

  private skipComment(): void {
    const e = this.src.indexOf('\n', this.pos);
    this.pos = e < 0 ? this.src.length : e;
  }

  private ensureCur(start: number): RawCommand {
    if (!this.cur) {
      this.assigned = false;
      this.cur = { src: this.src, start, end: start, words: [], assignments: {}, redirects: [] };
    }
    return this.cur;
  }

  private atCommandStart(): boolean {
    return !this.cur || (this.cur.words.length === 0 && !this.assigned);
  }

  /** Ends the current command (at `;`, `&&`, a newline, ...); returns it when it has words. */
  private endCommand(): RawCommand | undefined {
    const c = this.cur;
    this.cur = null;
    const pipedFrom = this.pipeFrom;
    this.pipeFrom = undefined;
    let ended: RawCommand | undefined;
    if (c && c.words.length > 0) {
      c.pipeFrom = pipedFrom;
      this.queue.push(c);
      ended = c;
    } else {
      if (c) {
        if (this.heredocs.length === 0) this.flush(); // keep order: earlier commands see earlier values
        this.ctx.assign(c.assignments, c.dynamicAssignments);
        if (c.redirects.some((r) => r.op[0] !== '<') && !AFTER_COMPOUND.test(this.src.slice(Math.max(0, c.start - 8), c.start))) {
          // `> file` alone still opens (truncates) file: bash runs it as the null command `:`.
          // (The redirections of a compound command, `{ ...; } > f`, are not followed.)
          c.words.push(litWord(':', c.start));
          c.assignments = {};
          this.queue.push(c);
        }
      }
    }
    if (this.heredocs.length === 0) this.flush();
    return ended;
  }

  /** Ends the current command at `|` or `|&`: its output feeds the next one. */
  private pipeCommand(): void {
    this.pipeFrom = this.endCommand();
  }

  private flush(): void {
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    for (const raw of q) {
      if (!this.stdinGiven && this.scope.stdin !== undefined) {
        this.stdinGiven = true;
        if (raw.stdin === undefined && !raw.pipeFrom) raw.stdin = this.scope.stdin;
      }
      resolveCommand(this.ctx, raw, this.scope, this.depth);
      for (const r of this.ctx.takeReparses()) parseSource(r.text, this.ctx, r.depth, reparseScope(r));
    }
  }

  private addWord(w: Word): void {
    if (this.atCommandStart() && !w.quoted && w.literal && this.keyword(w)) return;
    const cur = this.ensureCur(w.start);
    cur.end = w.end;
    if (cur.words.length === 0) {
      const m = ASSIGNMENT.exec(this.src.slice(w.start, Math.min(w.end, w.start + 256)));
      if (m) {
        const eq = w.value.indexOf('=');
        const name = w.value.slice(0, eq).replace(/\[.*$|\+$/, '');
        cur.assignments[name] = w.value.slice(eq + 1);
        this.assigned = true;
        if (!w.literal) (cur.dynamicAssignments ??= []).push(name);
        return;
      }
    }
    // Brace expansion is a re-scan that multiplies text: short words only, and paid from the budget.
    if (w.brace && w.value.length <= MAX_BRACE_WORD && this.ctx.spend(w.value.length * 16)) {
      const alts = expandBraces(w.value);
      if (alts.length > 1) {
        for (const v of alts) cur.words.push({ ...w, value: v, brace: false });
        return;
      }
    }
    cur.words.push(w);
  }

  /** Handles reserved words at command position; true when `w` was one. */
  private keyword(w: Word): boolean {
    switch (w.value) {
      case 'if':
      case 'then':
      case 'else':
      case 'elif':
      case 'fi':
      case 'do':
      case 'done':
      case 'while':
      case 'until':
      case '{':
      case '}':
      case '!':
        return true;
      case 'coproc':
        this.coprocName();
        return true;
      case 'esac':
        if (this.cases > 0) this.cases--;
        return true;
      case 'case':
        this.caseHeader();
        return true;
      case 'for':
      case 'select':
        this.forHeader();
        return true;
      case 'function':
        this.functionHeader();
        return true;
      case '[[':
        this.conditional(w);
        return true;
    }
    return false;
  }

  /** Skips blanks and line continuations (`\\<newline>`), not newlines. */
  private skipBlanks(): void {
    const s = this.src;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === SP || c === TAB || c === CR) this.pos++;
      else if (c === BSL && s.charCodeAt(this.pos + 1) === NL) this.pos += 2;
      else return;
    }
  }

  /** Skips blanks, line continuations and newlines (inside a header or `[[ ... ]]`). */
  private skipBlanksAndNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.src.charCodeAt(this.pos) !== NL) return;
      this.pos++;
    }
  }

  /** `coproc NAME { ...; }`: NAME is a name, not a command (only when a compound command follows). */
  private coprocName(): void {
    const save = this.pos;
    this.skipBlanks();
    const w = this.scanWord();
    const after = this.pos;
    this.skipBlanks();
    const c = this.src.charCodeAt(this.pos);
    if (w?.literal && (c === LBRACE || c === LP)) return;
    this.pos = w && !w.literal ? after : save;
    if (w && !w.literal) this.addWord(w);
  }

  private caseHeader(): void {
    this.skipBlanks();
    this.scanWord();
    this.skipBlanksAndNewlines();
    const w = this.scanWord();
    if (w?.value !== 'in') this.ctx.problem("'case' without 'in'");
    this.cases++;
    this.patternMode = true;
  }

  /** One token of a case pattern list: `(`, `|`, a pattern word, `)` (ends it), or `esac`. */
  private readPattern(): void {
    const c = this.src.charCodeAt(this.pos);
    if (c === RP) {
      this.pos++;
      this.patternMode = false;
      return;
    }
    if (c === NL || c === LP || c === PIPE || c === SEMI) {
      this.pos++;
      return;
    }
    const before = this.pos;
    const w = this.scanWord();
    if (!w) {
      if (this.pos === before) this.pos++;
      return;
    }
    if (!w.quoted && w.value === 'esac') {
      this.cases--;
      this.patternMode = false;
    }
  }

  private forHeader(): void {
    const s = this.src;
    this.skipBlanks();
    if (s.startsWith('((', this.pos)) {
      const e = this.arithmeticEnd(this.pos + 2);
      if (e > 0) {
        this.scanRegion(this.pos + 2, e - 2);
        this.pos = e;
      } else this.pos += 2;
      return;
    }
    this.scanWord();
    this.skipBlanksAndNewlines();
    const save = this.pos;
    const w = this.scanWord();
    if (w?.value !== 'in') {
      if (w?.literal) this.pos = save; // `do` (or `;`): let the main loop see it
      return;
    }
    for (;;) {
      this.skipBlanks();
      const c = s.charCodeAt(this.pos);
      if (this.pos >= s.length || c === NL || c === SEMI || c === AMP || c === PIPE || c === RP) return;
      const before = this.pos;
      if (!this.scanWord() && this.pos === before) this.pos++;
    }
  }

  private functionHeader(): void {
    this.skipBlanks();
    this.scanWord();
    this.skipBlanks();
    if (this.src.charCodeAt(this.pos) === LP) {
      let q = this.pos + 1;
      while (this.src.charCodeAt(q) === SP || this.src.charCodeAt(q) === TAB) q++;
      if (this.src.charCodeAt(q) === RP) this.pos = q + 1;
    }
  }

  /** `[[ ... ]]`: operators inside are words, not separators. */
  private conditional(first: Word): void {
    const s = this.src;
    const cur = this.ensureCur(first.start);
    cur.words.push(first);
    cur.end = first.end;
    for (;;) {
      this.skipBlanksAndNewlines();
      if (this.pos >= s.length) return;
      const c = s.charCodeAt(this.pos);
      if (c === SEMI) return;
      if (c === AMP || c === PIPE || c === LP || c === RP || c === LT || c === GT) {
        const len = s.charCodeAt(this.pos + 1) === c && (c === AMP || c === PIPE) ? 2 : 1;
        cur.words.push(litWord(s.slice(this.pos, this.pos + len), this.pos));
        this.pos += len;
        continue;
      }
      const before = this.pos;
      const w = this.scanWord();
      if (!w) {
        if (this.pos === before) this.pos++;
        continue;
      }
      cur.words.push(w);
      cur.end = w.end;
      if (!w.quoted && w.value === ']]') return;
    }
  }

  private openParen(): void {
    const s = this.src;
    const cur = this.cur;
    if (cur && cur.words.length === 1) {
      let q = this.pos + 1;
      while (s.charCodeAt(q) === SP || s.charCodeAt(q) === TAB) q++;
      if (s.charCodeAt(q) === RP) {
        // `name() body`: a definition; the body's commands are parsed as usual.
        this.cur = null;
        this.pos = q + 1;
        return;
      }
    }
    if (this.atCommandStart() && s.charCodeAt(this.pos + 1) === LP) {
      const e = this.arithmeticEnd(this.pos + 2);
      if (e > 0) {
        this.scanRegion(this.pos + 2, e - 2);
        this.cur = null;
        this.pos = e;
        return;
      }
    } else if (!this.atCommandStart()) this.ctx.problem("unexpected '('");
    this.endCommand();
    this.parenDepth++;
    this.pos++;
  }

  /** Reads `[n]op target`; here-docs are queued until the next newline. */
  private redirect(): void {
    const s = this.src;
    const start = this.pos;
    let p = this.pos;
    if (s.charCodeAt(p) === LBRACE) p = s.indexOf('}', p) + 1;
    while (isDigit(s.charCodeAt(p))) p++;
    const fd = p > start && s.charCodeAt(start) !== LBRACE ? Number(s.slice(start, p)) : undefined;
    let op = '>';
    for (const cand of REDIRECT_OPS) {
      if (s.startsWith(cand, p)) {
        op = cand;
        break;
      }
    }
    this.pos = p + op.length;
    this.skipBlanks();
    const cur = this.ensureCur(start);
    const target = this.scanWord();
    if (!target) {
      this.ctx.problem(`redirection '${op}' without a target`);
      return;
    }
    cur.end = target.end;
    if (op === '<<<') {
      cur.stdin = (cur.stdin ?? '') + target.value + '\n';
      return;
    }
    cur.redirects.push(fd === undefined ? { op, target: target.value } : { op, target: target.value, fd });
    if (op === '<<' || op === '<<-') {
      this.heredocs.push({ cmd: cur, delim: target.value, strip: op === '<<-', quoted: target.quoted });
    }
  }

  /** At the newline ending a line with `<<DELIM`: reads each body, in order. */
  private readHeredocs(): void {
    const s = this.src;
    const n = s.length;
    const pending = this.heredocs;
    if (pending.length === 0) return;
    this.heredocs = [];
    for (const h of pending) {
      const start = this.pos;
      let p = start;
      let bodyEnd = -1;
      while (p < n) {
        let e = s.indexOf('\n', p);
        if (e < 0) e = n;
        let q = p;
        if (h.strip) while (s.charCodeAt(q) === TAB) q++;
        const lineEnd = e > q && s.charCodeAt(e - 1) === CR ? e - 1 : e; // CRLF input
        if (lineEnd - q === h.delim.length && s.startsWith(h.delim, q)) {
          bodyEnd = p;
          p = Math.min(e + 1, n);
          break;
        }
        p = e + 1;
      }
      if (bodyEnd < 0) {
        this.ctx.problem('unterminated here-document');
        bodyEnd = n;
        p = n;
      }
      this.pos = p;
      if (!h.quoted) this.scanRegion(start, bodyEnd);
      let body = s.slice(start, bodyEnd);
      if (h.strip) body = body.replace(/^\t+/gm, '');
      h.cmd.stdin = (h.cmd.stdin ?? '') + body;
    }
    this.flush();
  }

  private processSubstitution(label: string): void {
    const start = this.pos;
    const end = this.subst(this.pos + 2, label);
    this.pos = end;
    this.addWord({ value: this.src.slice(start, end), literal: false, quoted: false, glob: false, brace: false, start, end });
  }

  /** Scope of a command substitution: a subshell keeps the positional parameters. */
  private childScope(label: string): Scope {
    const scope: Scope = { via: [...this.scope.via, label], assignments: {} };
    if (this.scope.positional) scope.positional = this.scope.positional;
    return scope;
  }

  /** Parses a `$(`/`<(` body starting at `p`; returns the index after its `)`. */
  private subst(p: number, label: string): number {
    if (!this.ctx.canDescend(this.depth + 1)) return skipBalanced(this.src, p - 1);
    const child = new ShellParser(this.src, this.ctx, this.depth + 1, this.childScope(label));
    child.pos = p;
    child.parseSubstitution();
    return child.pos;
  }

  /**
   * Probes `((...))` starting after the `((`: returns the index after the closing `))`, or -1
   * when the text is not arithmetic (`( (a) )` subshells) or the re-scan budget is spent.
   */
  private arithmeticEnd(p: number): number {
    const s = this.src;
    const n = s.length;
    const start = p;
    // The probe is a re-scan: bounded by the budget, so `((((...` cannot go quadratic.
    const limit = Math.min(n, p + this.ctx.remaining);
    let depth = 0;
    let end = -1;
    while (p < limit) {
      const c = s.charCodeAt(p);
      if (c === BSL) p += 2;
      else if (opensQuote(s, p)) {
        const e = quoteEnd(s, p);
        p = e < 0 ? n : e;
      } else if (c === LP) {
        depth++;
        p++;
      } else if (c === RP) {
        if (depth > 0) {
          depth--;
          p++;
        } else {
          if (s.charCodeAt(p + 1) === RP) end = p + 2;
          break;
        }
      } else p++;
    }
    return this.ctx.spend(Math.min(p, limit) - start) ? end : -1;
  }

  /** Finds command substitutions inside arithmetic or an unquoted here-doc body. */
  private scanRegion(p: number, end: number): void {
    const s = this.src;
    const junk: string[] = [];
    while (p < end) {
      const c = s.charCodeAt(p);
      if (c === BSL) p += 2;
      else if (c === DOLLAR) p = this.scanExpansion(p, junk).end;
      else if (c === BQ) p = this.scanBacktick(p, junk);
      else p++;
      junk.length = 0;
    }
  }

  /** Scans one word at pos (quote removal, expansions kept as written); null when none starts here. */
  scanWord(): Word | null {
    const s = this.src;
    const n = s.length;
    let p = this.pos;
    let start = p;
    let run = p;
    const parts: string[] = [];
    const shape: WordShape = { literal: true, quoted: false, glob: false, brace: false };
    while (p < n) {
      const c = s.charCodeAt(p);
      if (c < 128 && META[c] === 1) {
        if (c === LP && p > start) {
          const prev = s.charCodeAt(p - 1);
          if (prev === QM || prev === STAR || prev === PLUS || prev === AT || prev === BANG) {
            p = skipBalanced(s, p); // extglob `!(x)`
            shape.glob = true;
            continue;
          }
          if (prev === EQ && !this.inArray && p - start < 256 && ASSIGNMENT.test(s.slice(start, p))) {
            p = this.arrayBody(p + 1);
            shape.literal = false;
            continue;
          }
        }
        break;
      }
      switch (c) {
        case BSL:
          parts.push(s.slice(run, p));
          if (p + 1 < n) {
            if (s.charCodeAt(p + 1) !== NL) {
              parts.push(s[p + 1]!);
              shape.quoted = true;
            }
            p += 2;
          } else p++;
          run = p;
          continue;
        case SQ: {
          parts.push(s.slice(run, p));
          const e = quoteEnd(s, p);
          if (e < 0) {
            this.ctx.problem('unbalanced quote');
            parts.push(s.slice(p + 1));
            p = n;
          } else {
            parts.push(s.slice(p + 1, e - 1));
            p = e;
          }
          shape.quoted = true;
          run = p;
          continue;
        }
        case DQ: {
          parts.push(s.slice(run, p));
          const r = this.scanDouble(p + 1, parts);
          if (r.expands) shape.literal = false;
          shape.quoted = true;
          p = r.end;
          run = p;
          continue;
        }
        case DOLLAR: {
          parts.push(s.slice(run, p));
          const ifs = s.startsWith('${IFS}', p) ? 6 : s.startsWith('$IFS', p) && !isNameChar(s.charCodeAt(p + 4)) ? 4 : 0;
          if (ifs > 0) {
            // `rm${IFS}-rf${IFS}/`: unquoted $IFS splits words, so treat it as a blank.
            if (p > start) {
              this.pos = p + ifs;
              return makeWord(parts, start, p, shape);
            }
            p += ifs;
            start = p;
            run = p;
            continue;
          }
          const r = this.scanDollar(p, parts);
          if (r.expands) shape.literal = false;
          if (r.quoted) shape.quoted = true;
          p = r.end;
          run = p;
          continue;
        }
        case BQ:
          parts.push(s.slice(run, p));
          p = this.scanBacktick(p, parts);
          shape.literal = false;
          run = p;
          continue;
        case STAR:
        case QM:
        case LBRACKET:
          shape.glob = true;
          break;
        case LBRACE:
          shape.brace = true;
          break;
      }
      p++;
    }
    parts.push(s.slice(run, p));
    this.pos = p;
    if (p === start) return null;
    return makeWord(parts, start, p, shape);
  }

  /** `a=(x y $(cmd))`: scans the elements (for their substitutions); returns the index after `)`. */
  private arrayBody(p: number): number {
    this.inArray = true;
    this.pos = p;
    const s = this.src;
    for (;;) {
      this.skipBlanksAndNewlines();
      if (this.pos >= s.length) break;
      if (s.charCodeAt(this.pos) === RP) {
        this.pos++;
        break;
      }
      const before = this.pos;
      if (!this.scanWord() && this.pos === before) this.pos++;
    }
    this.inArray = false;
    return this.pos;
  }

  /** Body of "..." from `p` (after the quote), its text pushed to `parts`; ends after the closing quote. */
  private scanDouble(p: number, parts: string[]): Scanned {
    const s = this.src;
    const n = s.length;
    let run = p;
    let expands = false;
    while (p < n) {
      const c = s.charCodeAt(p);
      if (c === DQ) {
        parts.push(s.slice(run, p));
        return { end: p + 1, expands, quoted: true };
      }
      if (c === BSL) {
        const d = s.charCodeAt(p + 1);
        if (d === DOLLAR || d === BQ || d === DQ || d === BSL || d === NL) {
          parts.push(s.slice(run, p));
          if (d !== NL) parts.push(s[p + 1]!);
          run = p + 2;
        }
        p += 2;
        continue;
      }
      if (c === DOLLAR) {
        parts.push(s.slice(run, p));
        const r = this.scanExpansion(p, parts);
        if (r.expands) expands = true;
        p = r.end;
        run = p;
        continue;
      }
      if (c === BQ) {
        parts.push(s.slice(run, p));
        p = this.scanBacktick(p, parts);
        expands = true;
        run = p;
        continue;
      }
      p++;
    }
    parts.push(s.slice(run, n));
    this.ctx.problem('unbalanced quote');
    return { end: n, expands, quoted: true };
  }

  /** A `$` at `p` in an unquoted word: an expansion, `$'...'`, `$"..."`, or a plain dollar. */
  private scanDollar(p: number, parts: string[]): Scanned {
    const s = this.src;
    const d = s.charCodeAt(p + 1);
    if (d === SQ) {
      const r = decodeAnsiC(s, p + 2);
      if (!r.closed) this.ctx.problem('unbalanced quote');
      parts.push(r.value);
      return { end: r.end, expands: false, quoted: true };
    }
    if (d === DQ) return this.scanDouble(p + 2, parts);
    return this.scanExpansion(p, parts);
  }

  /** A `$` at `p` where quoting forms are not special (in "...", arithmetic, a here-doc): pushes it as written. */
  private scanExpansion(p: number, parts: string[]): Scanned {
    const s = this.src;
    const n = s.length;
    const d = s.charCodeAt(p + 1);
    if (d === LP) {
      if (s.charCodeAt(p + 2) === LP) {
        const e = this.arithmeticEnd(p + 3);
        if (e > 0) {
          this.scanRegion(p + 3, e - 2);
          parts.push(s.slice(p, e));
          return { end: e, expands: true, quoted: false };
        }
      }
      const e = this.subst(p + 2, '$(...)');
      parts.push(s.slice(p, e));
      return { end: e, expands: true, quoted: false };
    }
    if (d === LBRACE) {
      const e = this.paramEnd(p + 2);
      parts.push(s.slice(p, e));
      return { end: e, expands: true, quoted: false };
    }
    if (isNameStart(d)) {
      let q = p + 2;
      while (q < n && isNameChar(s.charCodeAt(q))) q++;
      parts.push(s.slice(p, q));
      return { end: q, expands: true, quoted: false };
    }
    if (isDigit(d) || isSpecialParam(d)) {
      parts.push(s.slice(p, p + 2));
      return { end: p + 2, expands: true, quoted: false };
    }
    parts.push('$');
    return { end: p + 1, expands: false, quoted: false };
  }

  /** `${...}` from `p` (after `${`), iterative so deep nesting cannot overflow the stack. */
  private paramEnd(p: number): number {
    const s = this.src;
    const n = s.length;
    const junk: string[] = [];
    let depth = 1;
    let dq = false;
    while (p < n) {
      const c = s.charCodeAt(p);
      if (c === BSL) p += 2;
      else if (!dq && (c === SQ || (c === DOLLAR && s.charCodeAt(p + 1) === SQ))) {
        const e = quoteEnd(s, p);
        p = e < 0 ? n : e;
      } else if (c === DQ) {
        dq = !dq;
        p++;
      } else if (c === DOLLAR && s.charCodeAt(p + 1) === LP) p = this.subst(p + 2, '$(...)');
      else if (c === DOLLAR && s.charCodeAt(p + 1) === LBRACE) {
        depth++;
        p += 2;
      } else if (c === BQ) {
        p = this.scanBacktick(p, junk);
        junk.length = 0;
      } else if (c === RBRACE) {
        p++;
        if (--depth === 0) return p;
      } else p++;
    }
    this.ctx.problem('unterminated parameter expansion');
    return n;
  }

  /** A backquoted command substitution at `p` (always an expansion); its body is unescaped and parsed as a line. */
  private scanBacktick(p: number, parts: string[]): number {
    const s = this.src;
    const n = s.length;
    let q = p + 1;
    while (q < n) {
      const c = s.charCodeAt(q);
      if (c === BSL) q += 2;
      else if (c === BQ) break;
      else q++;
    }
    let end = q + 1;
    if (q >= n) {
      this.ctx.problem('unbalanced quote');
      q = n;
      end = n;
    }
    parts.push(s.slice(p, end));
    const inner = s.slice(p + 1, q).replace(/\\([\\`$])/g, '$1');
    if (inner.trim() !== '' && this.ctx.canDescend(this.depth + 1) && this.ctx.spend(inner.length)) {
      parseSource(inner, this.ctx, this.depth + 1, this.childScope('`...`'));
    }
    return end;
  }
}

/** The scope a re-parsed text starts in: the wrappers above it and what it inherits. */
function reparseScope(r: Reparse): Scope {
  return {
    via: r.via,
    assignments: r.assignments,
    ...(r.stdin !== undefined ? { stdin: r.stdin } : {}),
    ...(r.positional ? { positional: r.positional } : {}),
  };
}

function makeWord(parts: string[], start: number, end: number, shape: WordShape): Word {
  const value = parts.length === 1 ? parts[0]! : parts.join('');
  const { literal, quoted } = shape;
  return { value, literal, quoted, glob: shape.glob && !quoted, brace: shape.brace && literal && !quoted, start, end };
}

function litWord(value: string, start: number): Word {
  return { value, literal: true, quoted: false, glob: false, brace: false, start, end: start + value.length };
}
