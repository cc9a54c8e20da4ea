import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { clientOf } from '../parse/clients.js';
import { readOptions } from '../parse/options.js';
import type { ParsedLine, SimpleCommand, Statement } from '../parse/types.js';
import { flavorOf, splitStatementsAt, type StatementList } from '../sql/split.js';
import { interpLanguage, judgeInterpreterFile, type InterpLanguage } from './interp.js';
import { MAKEFILE_NAMES, makeRecipes, type RecipeLine } from './make.js';
import { cachedDerive, LineIndex, linesAt, MAX_REACH_DEPTH, ReachBudget, type ReadResult } from './read.js';
import { JUSTFILE_NAMES, justGoals, justRecipes, packageScripts, scriptLines } from './runners.js';

// Reach: what a simple command will execute or feed, judged with the same rules as the line.
// For each command of a parsed line it resolves the files it runs (scripts, makefiles, package
// scripts, justfiles, interpreter files) or feeds a database client (`psql -f`, `< F`,
// `cat F |`), and the shell's own aliases and functions the hook sent; their content is parsed
// and appended to the line's commands and statements with `origin` (`file:line`), so the rule
// matcher and the verdict treat them like typed text. Files are read bounded (read.ts); what is
// not read is said in `notes`. Lines whose words cannot name a file never touch the disk.

export { MAX_FILE_BYTES, MAX_REACH_DEPTH, REACH_TIME_MS } from './read.js';

/** The shell's definitions of the line's words that are aliases or functions (sent by the hook). */
export interface ShellDefs {
  aliases?: Record<string, string> | undefined;
  functions?: Record<string, string> | undefined;
}

export interface ReachInput {
  cwd?: string | undefined;
  env: Record<string, string | undefined>;
  defs?: ShellDefs | undefined;
}

type Parse = (text: string) => ParsedLine;

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh']);
const SQL_CLIENTS = new Set(['psql', 'mysql', 'mariadb', 'sqlite3', 'sqlite', 'duckdb', 'mongosh', 'mongo', 'redis-cli', 'valkey-cli']);
const RUNNERS = new Set(['make', 'gmake', 'npm', 'pnpm', 'yarn', 'bun', 'just', 'source', '.']);
/** Programs never looked up on PATH: builtins and everyday binaries (their file is never a shell script). */
const NOT_SCRIPTS = new Set(
  (
    'ls cd echo printf cat grep egrep fgrep rg sed awk gawk cut sort uniq head tail less more wc tr tee find xargs rm mv cp ln mkdir rmdir touch chmod chown ' +
    'chgrp stat file du df ps top htop kill pkill killall pgrep sleep date env export unset set alias unalias type which command builtin true false test [ ' +
    'git kubectl helm terraform docker podman aws gcloud az ssh scp rsync curl wget tar gzip gunzip zip unzip vim vi nano emacs man sudo su systemctl ' +
    'journalctl service mount umount dd mkfs fdisk parted lsblk ip ss netstat ping dig nslookup history exit return read eval exec trap wait jobs fg bg ' +
    'pwd pushd popd dirs local declare typeset readonly shift getopts ulimit umask hash times time nohup nice watch tmux screen clear reset ' +
    'node python python3 ruby perl go cargo java make npm pnpm yarn bun just psql mysql sqlite3 redis-cli mongosh diff patch openssl base64 jq yq shutdown reboot'
  ).split(' '),
);

/** Run on another machine or filesystem (`ssh host ./x`, `kubectl exec pod -- sh x`, `chroot`): its files are not ours to read. */
const elsewhere = (cmd: SimpleCommand): boolean =>
  cmd.via.some((v) => v.startsWith('ssh ') || v.includes(' exec') || v === 'chroot' || v.startsWith('ansible '));

/** Cheap test (no disk): could any word of the line name a file it runs or feeds? */
function mayReach(parsed: ParsedLine, defs: ShellDefs | undefined): boolean {
  for (const c of parsed.commands) {
    if (c.dynamicName) continue;
    const a0 = c.argv[0] ?? '';
    if (a0.includes('/') || RUNNERS.has(c.name) || SHELLS.has(c.name) || SQL_CLIENTS.has(c.name) || interpLanguage(c.name)) return true;
    if (defs && (Object.hasOwn(defs.aliases ?? {}, a0) || Object.hasOwn(defs.functions ?? {}, a0))) return true;
    if (!NOT_SCRIPTS.has(c.name) && /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(a0)) return true;
  }
  return false;
}

/**
 * PATH directories of the distribution's own programs, never read: a system program that is a
 * script (pg_dropcluster is Perl, many are shell) holds every branch of its implementation, and
 * what it does is judged by its name and arguments (the catalog), not by its source. The team's
 * own scripts live elsewhere (/usr/local/bin, /opt, ~/bin, a project's bin/).
 */
const SYSTEM_BIN_DIRS = /^\/(?:usr\/)?(?:s?bin|lib(?:exec|32|64)?|games)(?:\/|$)|^\/snap\/bin(?:\/|$)/;

/** PATH lookups, remembered briefly: a PATH command is looked up once, not on every line. */
const PATH_TTL_MS = 2000;
const pathCache = new Map<string, { at: number; file: string | null }>();

function onPath(name: string, pathVar: string): string | null {
  const key = `${pathVar}\0${name}`;
  const now = Date.now();
  const hit = pathCache.get(key);
  if (hit && now - hit.at < PATH_TTL_MS) return hit.file;
  let file: string | null = null;
  for (const dir of pathVar.split(delimiter)) {
    if (!dir || !isAbsolute(dir) || SYSTEM_BIN_DIRS.test(dir)) continue;
    try {
      const p = join(dir, name);
      if (statSync(p).isFile()) {
        file = p;
        break;
      }
    } catch {
      // not in this directory
    }
  }
  if (pathCache.size > 1024) pathCache.clear();
  pathCache.set(key, { at: now, file });
  return file;
}

type Shebang = { kind: 'shell' } | { kind: 'interp'; language: InterpLanguage } | { kind: 'binary' } | { kind: 'other' };

/** What the first bytes of an executable say it is (`#!/usr/bin/env bash`, ELF, plain text). */
function sniff(path: string): Shebang | null {
  let fd = -1;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n);
    if (head.includes(0)) return { kind: 'binary' };
    const text = head.toString('utf8');
    if (!text.startsWith('#!')) return { kind: 'shell' }; // exec(2) fails, the shell runs it as a script
    const words = text.slice(2).split('\n')[0]!.trim().split(/\s+/);
    let prog = (words[0] ?? '').replace(/^.*\//, '');
    if (prog === 'env') prog = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('=')) ?? '';
    prog = prog.replace(/^.*\//, '');
    if (SHELLS.has(prog)) return { kind: 'shell' };
    const language = interpLanguage(prog);
    return language ? { kind: 'interp', language } : { kind: 'other' };
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** A shell script operand of `bash [opts] FILE`, or null (`bash -c`, `bash -s`, `bash` alone). */
function shellOperand(cmd: SimpleCommand): string | null {
  const o = readOptions(cmd.argv, 1, { short: 'oO', long: ['--rcfile', '--init-file'] });
  // -c: the text is on the line (the parser has it); -s: stdin; -n: read but never run (a syntax check).
  if (o.seen.has('-c') || o.seen.has('-s') || o.seen.has('-n')) return null;
  return cmd.argv[o.next] ?? null;
}

const stdinFile = (cmd: SimpleCommand): string | null => {
  const r = cmd.redirects?.find((x) => x.op === '<' && (x.fd === undefined || x.fd === 0));
  return r ? r.target : null;
};

/** The files `cat F... |` pipes into the command. */
const catPiped = (cmd: SimpleCommand): string[] => {
  const p = cmd.pipedFrom;
  return p && (p[0] === 'cat' || p[0]?.endsWith('/cat')) ? p.slice(1).filter((x) => !x.startsWith('-')) : [];
};

/** Files a database client reads statements from: -f/--file, `< F`, `cat F |`, `source F`, `.read F`, mongosh's F.js. */
function clientFiles(cmd: SimpleCommand): string[] {
  const found = clientOf(cmd);
  if (!found) return [];
  const [client, from] = found;
  const o = readOptions(cmd.argv, from, client.spec);
  const files: string[] = [];
  for (const [name, value] of o.list) if (client.fileOptions?.includes(name) && value && value !== '-') files.push(value);
  for (const [name, value] of o.list) {
    if (!client.statementOptions.includes(name)) continue;
    for (const m of value.matchAll(/(?:^|;)\s*(?:source|\\\.|\.read)\s+("[^"]+"|'[^']+'|[^\s;]+)/gi)) files.push(m[1]!.replace(/^["']|["']$/g, ''));
  }
  if (client.operandsAfterDb) {
    for (const op of o.operands.slice(1))
      for (const m of op.matchAll(/(?:^|;|\n)\s*\.read\s+("[^"]+"|'[^']+'|\S+)/g)) files.push(m[1]!.replace(/^["']|["']$/g, ''));
  }
  if (client.dialect === 'mongo') files.push(...o.operands.filter((x) => x.endsWith('.js')));
  const redirected = stdinFile(cmd);
  if (redirected) files.push(redirected);
  files.push(...catPiped(cmd));
  return files;
}

/** `make [-C dir] [-f file] [VAR=v] [targets]`: where it reads its makefile and what it builds; null for `make -n`. */
function makeGoals(cmd: SimpleCommand): { dir: string | null; file: string | null; goals: string[]; vars: Record<string, string> } | null {
  if (cmd.name !== 'make' && cmd.name !== 'gmake') return null;
  const o = readOptions(cmd.argv, 1, {
    short: 'CfIjloWE',
    long: ['--directory', '--file', '--makefile', '--include-dir', '--jobs', '--old-file', '--what-if'],
    permute: true,
  });
  for (const f of ['-n', '--dry-run', '--just-print', '--recon', '-q', '--question', '-p', '--print-data-base', '--help', '-h', '-v', '--version'])
    if (o.seen.has(f)) return null;
  let dir: string | null = null;
  for (const [k, v] of o.list) if (k === '-C' || k === '--directory') dir = dir && !isAbsolute(v) ? join(dir, v) : v;
  const file = o.seen.get('-f') ?? o.seen.get('--file') ?? o.seen.get('--makefile') ?? null;
  const vars: Record<string, string> = {};
  const goals: string[] = [];
  for (const op of o.operands) {
    const eq = op.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(op.slice(0, eq))) vars[op.slice(0, eq)] = op.slice(eq + 1);
    else goals.push(op);
  }
  return { dir, file, goals, vars };
}

const shq = (s: string): string => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** A function definition as the shells print it (`f () { ...; }`, zsh's body alone) -> its body. */
function functionBody(name: string, def: string): string {
  const header = new RegExp(`^\\s*(?:function\\s+)?${name.replace(/[^A-Za-z0-9_]/g, '\\$&')}\\s*(?:\\(\\s*\\))?\\s*`);
  return def.replace(header, '');
}

/** A file's statements as split, with their lines worked out when first asked for (a verdict names only those that matched). */
class FileSplit {
  private lines: number[] | null = null;

  constructor(readonly list: StatementList) {}

  lineOf(k: number): number {
    this.lines ??= linesAt(this.list.source, this.list.startOffsets());
    return this.lines[k] ?? 1;
  }
}

/** What the statements of one file share as one command of a line feeds them. */
interface StatementFeed {
  split: FileSplit;
  dialect: Statement['dialect'];
  client: string;
  command: number;
  label: string;
}

/**
 * A statement of a file a line feeds, made per line and never kept (the cache holds the split,
 * not 21,000 objects). Plain fields, read by the matcher at every statement; `origin`
 * (`file:line`) is worked out only when read, for the statements a verdict names.
 */
class FileStatement implements Statement {
  readonly dialect: Statement['dialect'];
  readonly text: string;
  readonly client: string;
  readonly command: number;

  constructor(
    private readonly feed: StatementFeed,
    private readonly k: number,
  ) {
    this.dialect = feed.dialect;
    this.text = feed.split.list.text(k);
    this.client = feed.client;
    this.command = feed.command;
  }

  get origin(): string {
    return `${this.feed.label}:${this.feed.split.lineOf(this.k)}`;
  }
}

/** Most commands a line may gain from what it reaches (the parser's own cap is 10,000). */
const MAX_REACHED_COMMANDS = 10_000;
/** Most statements judged for one line: a 1 MB file of one-line INSERTs holds ~25,000. */
const MAX_FILE_STATEMENTS = 100_000;

export function reach(parsed: ParsedLine, input: ReachInput, parse: Parse): void {
  const defs = input.defs;
  if (!mayReach(parsed, defs)) return;
  const budget = new ReachBudget();
  // By index into parsed.commands: the depth and cwd of each reached command (the line's own: 0 and the line's cwd).
  const depthAt: number[] = [];
  const cwdAt: string[] = [];
  const baseCwd = input.cwd ?? '';
  const pathVar = input.env.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const limit = parsed.commands.length + MAX_REACHED_COMMANDS;

  /** Path as shown in a verdict: relative to the line's cwd when inside it. */
  const shown = (abs: string): string => {
    if (!baseCwd) return abs;
    const r = relative(baseCwd, abs);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : abs;
  };
  // `~/x` as the shell expands it (the daemon runs as the shell's user, so its home is the same).
  const absOf = (p: string, cwd: string): string | null =>
    p.startsWith('~/') ? join(homedir(), p.slice(2)) : isAbsolute(p) ? p : cwd ? join(cwd, p) : null;

  /** Reads `path` for `cmd`; a file that cannot be read is noted with why (and judged as today). */
  const readFor = (path: string, cwd: string): (ReadResult & { ok: true }) | null => {
    const abs = absOf(path, cwd);
    if (!abs) {
      budget.note(`${path}: not read: the shell's directory is not known`);
      return null;
    }
    const r = budget.read(abs, cwd);
    if (!r.ok) {
      budget.note(`${shown(abs)}: not read: ${r.reason}`);
      return null;
    }
    if (budget.seen.has(r.real)) return null;
    budget.seen.add(r.real);
    return r;
  };

  /** Parses shell text as run by `from`, appending its commands and statements with their origin. */
  const addShell = (
    from: SimpleCommand,
    text: string | ParsedLine,
    origin: (c: SimpleCommand) => string,
    via: string,
    cwd: string,
    depth: number,
  ): void => {
    let sub: ParsedLine;
    try {
      sub = typeof text === 'string' ? parse(text) : text;
    } catch {
      return;
    }
    const offset = parsed.commands.length;
    const added: SimpleCommand[] = [];
    for (const c0 of sub.commands) {
      if (parsed.commands.length >= limit) {
        budget.note('reach: command limit reached: the rest of the files was not judged');
        break;
      }
      // A copy (a cached parse is shared by later lines), field by field: a spread is ~5x dearer here.
      const c: SimpleCommand = {
        argv: c0.argv,
        name: c0.name,
        assignments: c0.assignments,
        via: from.via.length || c0.via.length ? [...from.via, via, ...c0.via] : [via],
        dynamicName: c0.dynamicName,
        source: c0.source,
        origin: origin(c0),
      };
      if (c0.redirects) c.redirects = c0.redirects;
      if (c0.pipedFrom) c.pipedFrom = c0.pipedFrom;
      depthAt[parsed.commands.length] = depth;
      cwdAt[parsed.commands.length] = cwd;
      parsed.commands.push(c);
      added.push(c);
    }
    for (const st of sub.statements) {
      const c = added[st.command];
      if (!c) continue;
      parsed.statements.push({ ...st, command: st.command + offset, ...(c.origin ? { origin: c.origin } : {}) });
    }
    for (const p of sub.problems.slice(0, 2)) budget.note(`${via}: ${p}`);
  };

  const addScript = (from: SimpleCommand, path: string, cwd: string, depth: number, how: string): void => {
    const r = readFor(path, cwd);
    if (!r) return;
    const label = shown(absOf(path, cwd)!);
    const { sub, lineOf } = cachedDerive(r, 'shell', () => {
      const sub = parse(r.text);
      const lines = new LineIndex(r.text);
      return { sub, lineOf: new Map(sub.commands.map((c) => [c, lines.find(c.source) || 1])) };
    });
    addShell(from, sub, (c) => `${label}:${lineOf.get(c) ?? 1}`, `${how} ${label}`, cwd, depth);
  };

  const addRecipes = (from: SimpleCommand, lines: RecipeLine[], label: string, via: string, cwd: string, depth: number): void => {
    for (const l of lines) addShell(from, l.text, () => `${label}:${l.line}`, via, cwd, depth);
  };

  const addInterp = (from: SimpleCommand, path: string, language: InterpLanguage, cwd: string, depth: number): void => {
    const r = readFor(path, cwd);
    if (!r) return;
    const label = shown(absOf(path, cwd)!);
    const { calls, incomplete } = cachedDerive(r, `interp:${language}`, () => judgeInterpreterFile(language, r.text));
    for (const why of incomplete) budget.note(`${label}: ${why}`);
    addRecipes(from, calls, label, `${language} ${label}`, cwd, depth);
  };

  const addStatements = (from: SimpleCommand, index: number, path: string, cwd: string): void => {
    const found = clientOf(from);
    if (!found) return;
    const r = readFor(path, cwd);
    if (!r) return;
    const label = shown(absOf(path, cwd)!);
    const dialect = found[0].dialect;
    const flavor = found[0].flavor ?? flavorOf(from.name);
    const split = cachedDerive(r, `${dialect}:${flavor}`, () => new FileSplit(splitStatementsAt(r.text, dialect, flavor)));
    const total = split.list.length;
    const room = Math.max(0, MAX_FILE_STATEMENTS - parsed.statements.length);
    if (total > room) budget.note(`${label}: only its first ${room} of ${total} statements were judged`);
    const feed: StatementFeed = { split, dialect, client: from.name, command: index, label };
    const count = Math.min(room, total);
    for (let k = 0; k < count; k++) parsed.statements.push(new FileStatement(feed, k));
  };

  /** The nearest file named one of `names` in `dir` or above (npm and just look upwards). */
  const findUp = (dir: string, names: readonly string[]): string | null => {
    for (let d = dir, i = 0; d && i < 32; i++) {
      for (const n of names) {
        try {
          if (statSync(join(d, n)).isFile()) return join(d, n);
        } catch {
          // not here
        }
      }
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
    return null;
  };

  for (let i = 0; i < parsed.commands.length; i++) {
    const cmd = parsed.commands[i]!;
    const depth = depthAt[i] ?? 0;
    if (cmd.dynamicName || elsewhere(cmd)) continue;
    const cwd = cwdAt[i] ?? baseCwd;
    const a0 = cmd.argv[0] ?? '';
    if (depth >= MAX_REACH_DEPTH) {
      if (a0.includes('/') || SHELLS.has(cmd.name) || RUNNERS.has(cmd.name))
        budget.note(`${cmd.origin ?? a0}: ${a0} not followed: depth limit (${MAX_REACH_DEPTH} files deep)`);
      continue;
    }
    const next = depth + 1;

    // The shell's own definitions come first: an alias, then a function, hides a PATH program.
    if (defs && a0 === cmd.name && !cmd.via.includes(`alias ${a0}`) && !cmd.via.includes(`function ${a0}`)) {
      const alias = defs.aliases && Object.hasOwn(defs.aliases, a0) ? defs.aliases[a0] : undefined;
      if (alias !== undefined) {
        (parsed.shellDefined ??= new Set()).add(i);
        addShell(cmd, [alias, ...cmd.argv.slice(1).map(shq)].join(' '), () => `alias ${a0}`, `alias ${a0}`, cwd, next);
        continue;
      }
      const fn = defs.functions && Object.hasOwn(defs.functions, a0) ? defs.functions[a0] : undefined;
      if (fn !== undefined) {
        (parsed.shellDefined ??= new Set()).add(i);
        const body = functionBody(a0, fn);
        // As `bash -c BODY name args`: the parser then substitutes "$1", "$@" with the call's words.
        addShell(cmd, `bash -c ${shq(body)} ${[a0, ...cmd.argv.slice(1)].map(shq).join(' ')}`, () => `function ${a0}`, `function ${a0}`, cwd, next);
        continue;
      }
    }

    if (cmd.name === 'source' || cmd.name === '.') {
      if (cmd.argv[1]) addScript(cmd, cmd.argv[1], cwd, next, cmd.name);
      continue;
    }
    if (SHELLS.has(cmd.name)) {
      const operand = shellOperand(cmd);
      const files = operand !== null ? [operand] : [stdinFile(cmd), ...catPiped(cmd)].filter((f): f is string => f !== null);
      for (const f of files) addScript(cmd, f, cwd, next, cmd.name);
      continue;
    }
    const language = interpLanguage(cmd.name);
    if (language) {
      const file = cmd.argv.slice(1).find((a) => !a.startsWith('-'));
      if (file && /\.(py|js|mjs|cjs|rb|pl|pm)$/.test(file) && !cmd.argv.includes('-c') && !cmd.argv.includes('-e'))
        addInterp(cmd, file, language, cwd, next);
      continue;
    }
    if (SQL_CLIENTS.has(cmd.name)) {
      for (const f of clientFiles(cmd)) addStatements(cmd, i, f, cwd);
      continue;
    }
    const make = makeGoals(cmd);
    if (make) {
      const dir = make.dir ? (absOf(make.dir, cwd) ?? make.dir) : cwd;
      const file = make.file ? absOf(make.file, dir) : dir ? MAKEFILE_NAMES.map((n) => join(dir, n)).find((p) => exists(p)) : undefined;
      if (!file) {
        if (dir) budget.note(`make: no makefile found in ${shown(dir)}: its recipes were not judged`);
        continue;
      }
      const r = readFor(file, dir);
      if (r)
        addRecipes(cmd, makeRecipes(r.text, make.goals, make.vars), shown(file), `make ${make.goals.join(' ') || '(default)'}`.trim(), dir, next);
      continue;
    }
    const pkg = packageScripts(cmd);
    if (pkg) {
      const dir = pkg.dir ? (absOf(pkg.dir, cwd) ?? pkg.dir) : cwd;
      const file = dir ? findUp(dir, ['package.json']) : null;
      const r = file ? readFor(file, dir) : null;
      if (r && file) addRecipes(cmd, scriptLines(r.text, pkg.scripts), shown(file), `${cmd.name} run ${pkg.scripts[1]}`, dirname(file), next);
      continue;
    }
    const just = justGoals(cmd);
    if (just) {
      const dir = just.dir ? (absOf(just.dir, cwd) ?? just.dir) : cwd;
      const file = just.file ? absOf(just.file, dir) : dir ? findUp(dir, JUSTFILE_NAMES) : null;
      const r = file ? readFor(file, dir) : null;
      if (r && file) addRecipes(cmd, justRecipes(r.text, just.goals), shown(file), `just ${just.goals[0] ?? '(default)'}`, dirname(file), next);
      continue;
    }
    // An executable named by path (`./x`, `bin/x`) or found on PATH: judged when it is a script.
    let exe: string | null = null;
    if (a0.includes('/')) exe = absOf(a0, cwd);
    else if (!NOT_SCRIPTS.has(cmd.name) && /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(a0)) exe = onPath(a0, pathVar);
    if (!exe) continue;
    const kind = sniff(exe);
    if (kind === null) {
      if (a0.includes('/')) readFor(a0, cwd); // notes why it could not be read
      continue;
    }
    if (kind.kind === 'shell') addScript(cmd, exe, cwd, next, 'runs');
    else if (kind.kind === 'interp') addInterp(cmd, exe, kind.language, cwd, next);
  }
  if (budget.notes.length) parsed.notes = [...(parsed.notes ?? []), ...budget.notes];
}

function exists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
