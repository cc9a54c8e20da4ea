// What a database client acts on at each Enter: the engine's lexer (daemon/engine/sql/lex.ts)
// decides where quotes, dollar quotes, comments and (psql) parentheses end; this file adds what is
// specific to driving the client a line at a time: its backslash / dot / `system` commands, mysql
// DELIMITER, sqlite's CREATE TRIGGER ... END, and the raw statement text the client would send.
// It models the client, not the SQL grammar: the question is "does this Enter make the client
// send something to the server?". scanSql itself does not fit: it reads a whole text and
// normalizes it, while this keeps state between lines, the text as typed, and which token is
// open (abortKeys must close it); so DELIMITER and the trigger rule are kept here too.

import {
  blockComment,
  dollarTagAt,
  lineCommentAt,
  nestsComments,
  opensQuote,
  PsqlNesting,
  quoteCloser,
  quoteEnd,
  WS,
} from '../../daemon/engine/sql/lex.js';
import type { SqlFlavor } from '../../daemon/engine/sql/scan-sql.js';

export type SqlFlavour = 'psql' | 'mysql' | 'sqlite';

const FLAVOR: Record<SqlFlavour, SqlFlavor> = { psql: 'postgres', mysql: 'mysql', sqlite: 'sqlite' };

export interface ScanState {
  /** Raw text of the statement being built (since the last terminator), line comments dropped. */
  text: string;
  /** Where in `text` an unterminated quote, dollar quote or block comment starts; -1 if none. */
  open: number;
  /** psql: parentheses and BEGIN ATOMIC bodies, in which `;` does not end the statement. */
  nesting: PsqlNesting;
  /** mysql DELIMITER. */
  delimiter: string;
}

/** Something the client acts on. `sql`: a statement sent to the server; `shell`: a command run
 * by the client (`\!`, `.shell`, `system`); `file`: a script the client reads and runs. */
export type SqlUnit =
  | { kind: 'sql'; text: string }
  | { kind: 'shell'; text: string }
  | { kind: 'file'; path: string }
  /** The client will run something prodguard cannot see (psql's \e runs what the editor saves). */
  | { kind: 'opaque'; text: string };

export function initialState(): ScanState {
  return { text: '', open: -1, nesting: new PsqlNesting(), delimiter: ';' };
}

export function cloneState(s: ScanState): ScanState {
  return { ...s, nesting: s.nesting.clone() };
}

/** True when nothing is buffered: the client shows its primary prompt. */
export function isIdle(s: ScanState): boolean {
  return s.text.trim() === '' && s.open < 0;
}

/** The text that closes whatever quote or comment the buffer is in (to neutralise it). */
export function closer(s: ScanState, flavour: SqlFlavour): string {
  if (s.open < 0) return '';
  const c = s.text[s.open]!;
  if (c === '$') return dollarTagAt(s.text, s.open, FLAVOR[flavour]) ?? '';
  if (c === '/') return '*/'.repeat(blockComment(s.text, s.open, nestsComments(FLAVOR[flavour])).depth);
  return quoteCloser(c);
}

const PSQL_SEND = /^(g|gx|gexec|gset|gdesc|crosstabview|watch)$/;
const PSQL_FILE = /^(i|ir|include|include_relative)$/;
// Characters that end a run of ordinary text.
const SPECIAL = new Set([...WS, "'", '"', '`', '[', '$', '-', '#', '/', '\\', ';']);
// sqlite: inside CREATE TRIGGER, `;` completes the statement only after END.
const TRIGGER = /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i;

/** End (exclusive) of the quote, dollar quote or block comment opening at `i`: -1 when it is
 * unterminated, null when none opens there. */
function tokenEnd(t: string, i: number, flavor: SqlFlavor): number | null {
  if (t[i] === '/' && t[i + 1] === '*') return blockComment(t, i, nestsComments(flavor)).end;
  if (opensQuote(t[i]!, flavor)) {
    const e = quoteEnd(t, i, flavor);
    return e < 0 ? -1 : e + 1;
  }
  const tag = dollarTagAt(t, i, flavor);
  if (!tag) return null;
  const e = t.indexOf(tag, i + tag.length);
  return e < 0 ? -1 : e + tag.length;
}

/**
 * Feeds one entered line (without its newline) into `state` (mutated) and returns the units the
 * client acts on at this Enter.
 */
export function scanLine(state: ScanState, line: string, flavour: SqlFlavour): SqlUnit[] {
  const flavor = FLAVOR[flavour];
  const units: SqlUnit[] = [];

  // Client commands that only exist at the start of a line with an empty buffer.
  if (isIdle(state)) {
    const t = line.trim();
    if (flavour === 'sqlite' && t.startsWith('.')) return sqliteDot(t);
    if (flavour === 'mysql') {
      const m = /^(delimiter|system|source|use|exit|quit|connect|ego|go)\b\s*(.*)$/i.exec(t);
      if (m) {
        const [, cmd, rest] = m;
        const c = cmd!.toLowerCase();
        if (c === 'delimiter') {
          state.delimiter = rest!.split(/\s+/)[0] || ';';
          return [];
        }
        if (c === 'system') return [{ kind: 'shell', text: rest! }];
        if (c === 'source') return [{ kind: 'file', path: rest! }];
        return [];
      }
    }
  }

  // `t` is the statement so far plus this line; a token left open by an earlier line is
  // rescanned from its start.
  let t = state.text + line;
  let i = state.open >= 0 ? state.open : state.text.length;
  state.open = -1;
  /** Drops t[from, to) from the buffer, sending what precedes it when `send`. */
  const cut = (from: number, to: number, send: boolean): void => {
    if (send) {
      const text = t.slice(0, from).trim();
      if (text) units.push({ kind: 'sql', text });
      t = t.slice(to);
      i = 0;
      state.nesting.reset();
    } else {
      t = t.slice(0, from) + t.slice(to);
      i = from;
    }
  };
  const stop = (): SqlUnit[] => {
    state.text = t.slice(0, i);
    return units;
  };

  while (i < t.length) {
    const ch = t[i]!;
    if (flavour === 'mysql' && state.delimiter !== ';' && t.startsWith(state.delimiter, i)) {
      cut(i, i + state.delimiter.length, true);
      continue;
    }
    if (lineCommentAt(t, i, flavor)) {
      t = t.slice(0, i);
      break;
    }
    const end = tokenEnd(t, i, flavor);
    if (end !== null) {
      if (end < 0) {
        state.open = i; // continues on the next line
        i = t.length;
        break;
      }
      i = end;
      continue;
    }
    if (ch === '\\' && flavour !== 'sqlite') {
      const rest = t.slice(i + 1);
      if (flavour === 'psql') {
        // A meta-command runs to the end of the line (or a `\\` separator).
        const sep = rest.indexOf('\\\\');
        const cmdText = sep >= 0 ? rest.slice(0, sep) : rest;
        const meta = psqlMeta(cmdText);
        const to = i + 1 + cmdText.length + (sep >= 0 ? 2 : 0);
        if (meta.buffer === 'reset') {
          t = t.slice(to); // \r empties the query buffer
          i = 0;
          state.nesting.reset();
        } else cut(i, to, meta.buffer === 'send');
        units.push(...meta.units);
        continue;
      }
      // mysql short commands: \g \G send, \c clears, \! runs a shell command, \. sources a file.
      const c = rest[0];
      if (c === 'g' || c === 'G') {
        cut(i, i + 2, true);
        continue;
      }
      if (c === 'c') {
        t = t.slice(i + 2);
        i = 0;
        continue;
      }
      if (c === '!') return [...stop(), { kind: 'shell', text: rest.slice(1).trim() }];
      if (c === '.') return [...stop(), { kind: 'file', path: rest.slice(1).trim() }];
      if (c === 'd') {
        state.delimiter = rest.slice(1).trim().split(/\s+/)[0] || ';';
        return stop();
      }
    }
    if (ch === ';' && state.delimiter === ';' && !state.nesting.open) {
      if (flavour === 'sqlite' && TRIGGER.test(t.slice(0, i)) && !/\bEND\s*$/i.test(t.slice(0, i))) {
        i++;
        continue;
      }
      cut(i, i + 1, true);
      continue;
    }
    let j = i + 1;
    while (j < t.length && !SPECIAL.has(t[j]!) && t[j] !== state.delimiter[0]) j++;
    if (flavour === 'psql') state.nesting.feed(t.slice(i, j));
    i = j;
  }
  state.text = `${t}\n`;
  return units;
}

/** A psql meta-command: the units it runs and what it does to the query buffer. */
function psqlMeta(cmdText: string): { units: SqlUnit[]; buffer?: 'send' | 'reset' } {
  const m = /^(\S*)\s*(.*)$/s.exec(cmdText)!;
  const name = m[1]!;
  const arg = m[2]!.trim();
  // `\g |cmd` pipes the result into a shell command.
  if (PSQL_SEND.test(name)) return { units: arg.startsWith('|') ? [{ kind: 'shell', text: arg.slice(1).trim() }] : [], buffer: 'send' };
  if (name === 'r' || name === 'reset') return { units: [], buffer: 'reset' };
  return { units: psqlMetaUnits(name, arg) };
}

function psqlMetaUnits(name: string, arg: string): SqlUnit[] {
  if (name === '!') return arg ? [{ kind: 'shell', text: arg }] : [];
  // psql re-parses the edited buffer when the editor exits and runs complete statements at once.
  if (/^(e|edit|ef|ev)$/.test(name)) return [{ kind: 'opaque', text: `\\${name}${arg ? ` ${arg}` : ''}` }];
  if (PSQL_FILE.test(name)) return arg ? [{ kind: 'file', path: unquote(arg) }] : [];
  if ((name === 'o' || name === 'out') && arg.startsWith('|')) return [{ kind: 'shell', text: arg.slice(1).trim() }];
  if (name === 'copy') return [{ kind: 'sql', text: `COPY ${arg}` }];
  return [];
}

function sqliteDot(t: string): SqlUnit[] {
  const m = /^\.(\S+)\s*(.*)$/s.exec(t);
  if (!m) return [];
  const [, cmd, rest] = m;
  const arg = rest!.trim();
  if (cmd === 'shell' || cmd === 'system') return arg ? [{ kind: 'shell', text: arg }] : [];
  if (cmd === 'read') return arg.startsWith('|') ? [{ kind: 'shell', text: arg.slice(1).trim() }] : arg ? [{ kind: 'file', path: unquote(arg) }] : [];
  if ((cmd === 'output' || cmd === 'once') && arg.startsWith('|')) return [{ kind: 'shell', text: arg.slice(1).trim() }];
  if (cmd === 'import' && arg.startsWith('|')) return [{ kind: 'shell', text: arg.slice(1).trim() }];
  return [];
}

function unquote(s: string): string {
  const m = /^(['"])(.*)\1$/.exec(s);
  return m ? m[2]! : s;
}

/** Splits a whole script (a file the client would read) into the units it would run. */
export function scanScript(text: string, flavour: SqlFlavour): SqlUnit[] {
  const state = initialState();
  const units: SqlUnit[] = [];
  for (const line of text.split('\n')) units.push(...scanLine(state, line, flavour));
  if (state.text.trim()) units.push({ kind: 'sql', text: state.text.trim() });
  return units;
}
