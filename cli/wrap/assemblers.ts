import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scanJs } from '../../daemon/engine/sql/scan-js.js';
import { cloneState, closer, initialState, isIdle, scanLine, scanScript, type ScanState, type SqlFlavour, type SqlUnit } from './sql-scan.js';

// One assembler per client: it is fed each entered line and says what the client would act on at
// that Enter (statements sent to the server, shell commands, scripts read), the way that client
// buffers input. It also knows the keys that make the client drop what it buffered.

export type { Dialect } from '../../daemon/contract/enums.js';
import type { Dialect } from '../../daemon/contract/enums.js';

/** What gets evaluated: a statement (with its dialect) or a shell command run by the client. */
export interface Unit {
  /** `opaque`: the client will run something not visible here (an editor's buffer). */
  kind: 'statement' | 'shell' | 'opaque';
  dialect: Dialect;
  text: string;
}

export interface Fed {
  units: Unit[];
  /** Apply the line to the assembler's state (the Enter was sent). */
  commit(): void;
}

export interface Assembler {
  readonly client: string;
  readonly dialect: Dialect;
  feed(line: string): Fed;
  /** Keys that discard the refused line and whatever the client buffered, leaving a clean prompt. */
  abortKeys(): string;
  /** The refused line was discarded (after abortKeys) or the user pressed Ctrl-C. */
  reset(): void;
  /** The user pressed Ctrl-C at the prompt: what the client drops. */
  interrupted(): void;
  /** True when the client is at its primary prompt (nothing buffered). */
  idle(): boolean;
  /** Whether Ctrl-C at the prompt empties the line being edited (else it may survive). */
  readonly interruptClearsLine: boolean;
}

export const CLIENTS: Record<string, string> = {
  psql: 'psql',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite3: 'sqlite3',
  'redis-cli': 'redis-cli',
  'valkey-cli': 'redis-cli',
  mongosh: 'mongosh',
  mongo: 'mongosh',
};

const MAX_SCRIPT = 4 * 1024 * 1024;

/** Units of a script file the client would read (`\i`, `.read`, `source`): evaluated as a whole. */
function fileUnits(path: string, flavour: SqlFlavour, cwd: string): SqlUnit[] {
  try {
    const text = readFileSync(resolve(cwd, path), 'utf8');
    return scanScript(text.slice(0, MAX_SCRIPT), flavour).filter((u) => u.kind !== 'file');
  } catch {
    return []; // the client cannot read it either
  }
}

class SqlAssembler implements Assembler {
  readonly dialect = 'sql' as const;
  readonly interruptClearsLine: boolean;
  private state: ScanState = initialState();

  constructor(
    readonly client: string,
    private readonly flavour: SqlFlavour,
    private readonly cwd: string,
  ) {
    // psql longjmps out of readline on SIGINT; sqlite3 and mysql leave readline a line it read.
    this.interruptClearsLine = flavour === 'psql';
  }

  feed(line: string): Fed {
    const next = cloneState(this.state);
    const units: Unit[] = [];
    for (const u of scanLine(next, line, this.flavour)) {
      const expanded = u.kind === 'file' ? fileUnits(u.path, this.flavour, this.cwd) : [u];
      for (const e of expanded) {
        if (e.kind === 'sql') units.push({ kind: 'statement', dialect: 'sql', text: e.text });
        else if (e.kind === 'shell' || e.kind === 'opaque') units.push({ kind: e.kind, dialect: 'sql', text: e.text });
      }
    }
    return { units, commit: () => void (this.state = next) };
  }

  abortKeys(): string {
    // psql: Ctrl-C longjmps out of readline, dropping the line and resetting the query buffer.
    if (this.flavour === 'psql') return '\x03';
    // readline in sqlite3 (3.40) and mysql keeps a line it already read after Ctrl-C, and the
    // client keeps earlier lines of an unfinished statement. Erase the line (Ctrl-E Ctrl-U), then,
    // if lines are buffered, make the buffer fail to parse and complete it so the client drops it
    // unexecuted: close any open quote or comment, an illegal token, the terminator.
    const erase = '\x05\x15';
    if (isIdle(this.state)) return `${erase}\r`;
    if (this.flavour === 'sqlite') return `${erase}${closer(this.state, this.flavour)} !;\r`;
    return `${erase}${closer(this.state, this.flavour)}\\c\r`; // mysql: \c clears the statement buffer
  }

  reset(): void {
    this.state = initialState();
    if (this.flavour === 'mysql') this.state.delimiter = ';';
  }

  interrupted(): void {
    if (this.flavour === 'psql') this.state = { ...initialState(), delimiter: this.state.delimiter };
    // sqlite3 / mysql: Ctrl-C drops only the line being edited, the buffer stays.
  }

  idle(): boolean {
    return isIdle(this.state);
  }
}

/** redis-cli: every line is one command. */
class RedisAssembler implements Assembler {
  readonly dialect = 'redis' as const;
  readonly interruptClearsLine = true;
  constructor(readonly client: string) {}
  feed(line: string): Fed {
    const text = line.trim();
    return { units: text ? [{ kind: 'statement', dialect: 'redis', text }] : [], commit: () => {} };
  }
  abortKeys(): string {
    return '\x15'; // linenoise: Ctrl-U erases the whole line (Ctrl-C would exit redis-cli)
  }
  reset(): void {}
  interrupted(): void {}
  idle(): boolean {
    return true;
  }
}

/** mongosh: a JavaScript input is complete when brackets, quotes and comments are balanced. */
class MongoAssembler implements Assembler {
  readonly dialect = 'mongo' as const;
  readonly interruptClearsLine = true;
  private buffer = '';
  constructor(readonly client: string) {}
  feed(line: string): Fed {
    const text = this.buffer + line;
    if (!jsComplete(text)) return { units: [], commit: () => void (this.buffer = `${text}\n`) };
    const units: Unit[] = text.trim() ? [{ kind: 'statement', dialect: 'mongo', text: text.trim() }] : [];
    return { units, commit: () => void (this.buffer = '') };
  }
  abortKeys(): string {
    return '\x03'; // the Node REPL under mongosh clears the (multi-line) input on Ctrl-C
  }
  reset(): void {
    this.buffer = '';
  }
  interrupted(): void {
    this.buffer = '';
  }
  idle(): boolean {
    return this.buffer === '';
  }
}

/** Balanced (), [], {}, closed strings, template literals and block comments (the engine's JS scanner). */
export function jsComplete(src: string): boolean {
  return !scanJs(src).open;
}

export function createAssembler(clientPath: string, cwd: string): Assembler | null {
  const base = clientPath.split('/').pop() ?? clientPath;
  const kind = CLIENTS[base];
  switch (kind) {
    case 'psql':
      return new SqlAssembler(base, 'psql', cwd);
    case 'mysql':
      return new SqlAssembler(base, 'mysql', cwd);
    case 'sqlite3':
      return new SqlAssembler(base, 'sqlite', cwd);
    case 'redis-cli':
      return new RedisAssembler(base);
    case 'mongosh':
      return new MongoAssembler(base);
    default:
      return null;
  }
}
