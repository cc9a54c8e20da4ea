// Incremental SQL lexer that knows when a database client would act on what was typed: the
// statement terminator outside quotes, dollar quotes, comments and (psql) parentheses, and the
// client's own backslash / dot commands. It models the client, not the SQL grammar: the question
// is "does this Enter make the client send something to the server?".
//
// Written here rather than in daemon/engine/sql/ because the engine's splitter was not there when
// `wrap` was built; it is self-contained so it can move.

export type SqlFlavour = 'psql' | 'mysql' | 'sqlite';

type Mode =
  | { k: 'normal' }
  | { k: 'quote'; q: string; backslash: boolean }
  | { k: 'dollar'; tag: string }
  | { k: 'block'; depth: number };

export interface ScanState {
  mode: Mode;
  /** Text of the statement being built (since the last terminator). */
  text: string;
  paren: number;
  /** mysql DELIMITER. */
  delimiter: string;
  /** sqlite: inside CREATE TRIGGER, `;` completes only after END. */
  trigger: boolean;
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
  return { mode: { k: 'normal' }, text: '', paren: 0, delimiter: ';', trigger: false };
}

export function cloneState(s: ScanState): ScanState {
  return { ...s, mode: { ...s.mode } };
}

/** True when nothing is buffered: the client shows its primary prompt. */
export function isIdle(s: ScanState): boolean {
  return s.text.trim() === '' && s.mode.k === 'normal';
}

/** The text that closes whatever quote or comment the buffer is in (to neutralise it). */
export function closer(s: ScanState): string {
  switch (s.mode.k) {
    case 'quote':
      return s.mode.q === '[' ? ']' : s.mode.q;
    case 'dollar':
      return s.mode.tag;
    case 'block':
      return '*/'.repeat(s.mode.depth);
    default:
      return '';
  }
}

const PSQL_SEND = /^(g|gx|gexec|gset|gdesc|crosstabview|watch)$/;
const PSQL_FILE = /^(i|ir|include|include_relative)$/;

/**
 * Feeds one entered line (without its newline) into `state` (mutated) and returns the units the
 * client acts on at this Enter.
 */
export function scanLine(state: ScanState, line: string, flavour: SqlFlavour): SqlUnit[] {
  const units: SqlUnit[] = [];
  const emit = (): void => {
    const text = state.text.trim();
    if (text) units.push({ kind: 'sql', text });
    state.text = '';
    state.paren = 0;
    state.trigger = false;
  };

  // Client commands that only exist at the start of a line with an empty buffer.
  if (state.mode.k === 'normal' && state.text.trim() === '') {
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

  let i = 0;
  const n = line.length;
  while (i < n) {
    const ch = line[i]!;
    const mode = state.mode;
    if (mode.k === 'quote') {
      state.text += ch;
      if (mode.backslash && ch === '\\' && i + 1 < n) {
        state.text += line[i + 1];
        i += 2;
        continue;
      }
      if (ch === mode.q || (mode.q === '[' && ch === ']')) {
        // A doubled quote is an escaped quote: stay inside.
        if (mode.q !== '[' && line[i + 1] === mode.q) {
          state.text += ch;
          i += 2;
          continue;
        }
        state.mode = { k: 'normal' };
      }
      i++;
      continue;
    }
    if (mode.k === 'dollar') {
      if (line.startsWith(mode.tag, i)) {
        state.text += mode.tag;
        i += mode.tag.length;
        state.mode = { k: 'normal' };
      } else {
        state.text += ch;
        i++;
      }
      continue;
    }
    if (mode.k === 'block') {
      if (line.startsWith('*/', i)) {
        state.text += '*/';
        i += 2;
        mode.depth--;
        if (mode.depth === 0) state.mode = { k: 'normal' };
      } else if (flavour === 'psql' && line.startsWith('/*', i)) {
        state.text += '/*';
        i += 2;
        mode.depth++;
      } else {
        state.text += ch;
        i++;
      }
      continue;
    }

    // normal
    if (flavour === 'mysql' && state.delimiter !== ';' && line.startsWith(state.delimiter, i)) {
      emit();
      i += state.delimiter.length;
      continue;
    }
    if (line.startsWith('--', i) && (flavour !== 'mysql' || /\s|$/.test(line[i + 2] ?? ''))) break; // comment to end of line
    if (flavour === 'mysql' && ch === '#') break;
    if (line.startsWith('/*', i)) {
      state.mode = { k: 'block', depth: 1 };
      state.text += '/*';
      i += 2;
      continue;
    }
    if (ch === "'" || ch === '"' || (ch === '`' && flavour !== 'psql') || (ch === '[' && flavour === 'sqlite')) {
      const eString = flavour === 'psql' && ch === "'" && /(^|[^A-Za-z0-9_])[Ee]$/.test(state.text);
      state.mode = { k: 'quote', q: ch, backslash: flavour === 'mysql' || eString };
      state.text += ch;
      i++;
      continue;
    }
    if (flavour === 'psql' && ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(line.slice(i));
      // `$1` parameters are not dollar quotes; a tag cannot follow an identifier character.
      if (m && !/[A-Za-z0-9_]$/.test(state.text)) {
        state.mode = { k: 'dollar', tag: m[0] };
        state.text += m[0];
        i += m[0].length;
        continue;
      }
    }
    if (ch === '\\' && flavour !== 'sqlite') {
      const rest = line.slice(i + 1);
      if (flavour === 'psql') {
        // A meta-command runs to the end of the line (or a `\\` separator).
        const sep = rest.indexOf('\\\\');
        const cmdText = sep >= 0 ? rest.slice(0, sep) : rest;
        units.push(...psqlMeta(cmdText, state, emit));
        i += 1 + cmdText.length + (sep >= 0 ? 2 : 0);
        continue;
      }
      // mysql short commands: \g \G send, \c clears, \! runs a shell command, \. sources a file.
      const c = rest[0];
      if (c === 'g' || c === 'G') {
        emit();
        i += 2;
        continue;
      }
      if (c === 'c') {
        state.text = '';
        i += 2;
        continue;
      }
      if (c === '!') return [...units, { kind: 'shell', text: rest.slice(1).trim() }];
      if (c === '.') return [...units, { kind: 'file', path: rest.slice(1).trim() }];
      if (c === 'd') {
        state.delimiter = rest.slice(1).trim().split(/\s+/)[0] || ';';
        return units;
      }
    }
    if (flavour === 'psql' && ch === '(') state.paren++;
    if (flavour === 'psql' && ch === ')' && state.paren > 0) state.paren--;
    if (ch === ';' && state.delimiter === ';' && state.paren === 0) {
      if (flavour === 'sqlite' && state.trigger && !/\bEND\s*$/i.test(state.text)) {
        state.text += ch;
        i++;
        continue;
      }
      emit();
      i++;
      continue;
    }
    state.text += ch;
    if (flavour === 'sqlite' && !state.trigger && /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(state.text)) state.trigger = true;
    i++;
  }
  state.text += '\n';
  return units;
}

function psqlMeta(cmdText: string, state: ScanState, emit: () => void): SqlUnit[] {
  const m = /^(\S*)\s*(.*)$/s.exec(cmdText)!;
  const name = m[1]!;
  const arg = m[2]!.trim();
  if (PSQL_SEND.test(name)) {
    emit();
    // `\g |cmd` pipes the result into a shell command.
    return arg.startsWith('|') ? [{ kind: 'shell', text: arg.slice(1).trim() }] : [];
  }
  if (name === '!') return arg ? [{ kind: 'shell', text: arg }] : [];
  // psql re-parses the edited buffer when the editor exits and runs complete statements at once.
  if (/^(e|edit|ef|ev)$/.test(name)) return [{ kind: 'opaque', text: `\\${name}${arg ? ` ${arg}` : ''}` }];
  if (PSQL_FILE.test(name)) return arg ? [{ kind: 'file', path: unquote(arg) }] : [];
  if ((name === 'o' || name === 'out') && arg.startsWith('|')) return [{ kind: 'shell', text: arg.slice(1).trim() }];
  if (name === 'r' || name === 'reset') state.text = '';
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
