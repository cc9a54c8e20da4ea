import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  AGENT_NAMES,
  DECISIONS,
  NOT_RUN_DECISIONS,
  SEVERITIES as SEVERITY_ORDER,
  SOURCE_KINDS,
  type Decision,
  type Severity,
} from '../daemon/contract/enums.js';
import type { AuditStore } from '../daemon/store/sqlite.js';
import { DEFAULT_LIMIT } from '../daemon/store/query.js';
import type { LogFilter, LogRow } from '../daemon/store/types.js';
import { timeRangeOptions, withAudit } from './audit-db.js';
import { unknownRuleMessage } from '../daemon/engine/rules/suggest.js';
import { UserError } from './errors.js';
import { colorEnabled, painter, visibleWidth, type Style } from './output/color.js';
import { csvLine, type CsvValue } from './output/csv.js';
import { renderTable, type Column } from './output/table.js';
import { terminalSafeJson } from './output/text.js';
import { formatDuration, formatTime } from './output/time.js';

// `prodguard log`: the audit trail, filtered, as a table, JSON, NDJSON or CSV, straight from the
// database (read-only, so it works with the daemon down). `--follow` polls for new rows by seq.

const FOLLOW_POLL_MS = 500;

function decisionArg(value: string, prev: Decision[] = []): Decision[] {
  const out = [...prev];
  for (const raw of value.split(',')) {
    const d = raw.trim();
    if (!(DECISIONS as readonly string[]).includes(d)) throw new InvalidArgumentError(`unknown decision "${d}": use ${DECISIONS.join(', ')}`);
    out.push(d as Decision);
  }
  return out;
}

function intArg(what: string, min: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`${what} must be a whole number${min === 0 ? ' (0 or more)' : min === 1 ? ' above 0' : ''}`);
    }
    return Number(value);
  };
}

/** The filter flags are LogFilter's own fields (minus the seq bounds `--follow` sets itself). */
type LogOptions = Omit<LogFilter, 'afterSeq' | 'throughSeq' | 'limit'> & {
  limit?: number;
  all?: boolean;
  json?: boolean;
  ndjson?: boolean;
  csv?: boolean;
  follow?: boolean;
};

function toFilter(o: LogOptions): LogFilter {
  if (o.since !== undefined && o.until !== undefined && o.since >= o.until) {
    throw new UserError('--since is not before --until: nothing can match; swap them');
  }
  if (o.search !== undefined && !/[\p{L}\p{N}]/u.test(o.search)) {
    throw new UserError('--search needs at least one word (letters or digits)');
  }
  return {
    since: o.since,
    until: o.until,
    user: o.user,
    host: o.host,
    session: o.session,
    agent: o.agent,
    kind: o.kind,
    cwd: o.cwd,
    severity: o.severity,
    decision: o.decision,
    rule: o.rule,
    exit: o.exit,
    failed: o.failed,
    search: o.search,
    limit: o.limit,
    reverse: o.reverse,
  };
}

/** Rows read from the database at a time when a whole trail is streamed (memory stays flat). */
const PAGE_ROWS = 1000;

/** The rows of `filter` (all of them when it has no limit), a page at a time, by seq keyset. */
function* pages(store: AuditStore, filter: LogFilter): Generator<LogRow[]> {
  let left = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor: LogFilter = filter;
  while (left > 0) {
    const rows = store.query({ ...cursor, limit: Math.min(PAGE_ROWS, left) });
    if (rows.length) yield rows;
    if (rows.length < Math.min(PAGE_ROWS, left)) return;
    left -= rows.length;
    const last = rows[rows.length - 1]!.seq;
    cursor = filter.reverse ? { ...cursor, afterSeq: last } : { ...cursor, throughSeq: last - 1 };
  }
}

const DECISION_STYLE: Record<Decision, Style | Style[]> = {
  allowed: 'green',
  confirmed: 'magenta',
  'dry-run': 'cyan',
  cancelled: 'yellow',
  blocked: ['red', 'bold'],
  disabled: ['red', 'bold'],
  asked: 'yellow',
  denied: 'yellow',
};
const SEVERITY_STYLE: Record<Severity, Style | Style[]> = { low: 'dim', medium: 'yellow', high: 'red', critical: ['red', 'bold'] };

/** What the COMMAND column says for rows that are not commands. */
function describe(r: LogRow): string {
  switch (r.kind) {
    case 'session-start':
      return `production shell opened (${[r.shell, r.tty, r.signal].filter(Boolean).join(', ')})`;
    case 'session-end':
      return `production shell closed${r.command ? ` (${r.command})` : ''}`;
    case 'disabled':
      return `guard turned OFF in a production shell (PRODGUARD_DISABLE${r.command ? `; ${r.command}` : ''})`;
    case 'enabled':
      return `guard turned back on${r.command ? ` (${r.command})` : ''}`;
    case 'tampered':
      return `guard tampered with: ${r.command ?? 'unknown'}`;
    default:
      return r.command ?? '';
  }
}

function outcome(r: LogRow): string {
  if (r.kind === 'command' || r.kind === 'statement') return r.decision ?? '';
  return r.decision ?? r.kind;
}

export const LOG_COLUMNS: Column<LogRow>[] = [
  { header: 'SEQ', value: (r) => String(r.seq), align: 'right', style: () => 'dim' },
  { header: 'TIME', value: (r) => formatTime(r.ts) },
  // An agent's row: the agent and the user it runs as (`claude-code@alice`).
  { header: 'USER', value: (r) => (r.agent ? `${r.agent}@${r.user}` : r.user), max: 24 },
  { header: 'HOST', value: (r) => r.host, max: 20 },
  { header: 'DECISION', value: outcome, style: (r) => (r.decision ? DECISION_STYLE[r.decision] : 'dim') },
  { header: 'SEV', value: (r) => r.severity ?? '', style: (r) => (r.severity ? SEVERITY_STYLE[r.severity] : null) },
  { header: 'EXIT', value: (r) => (r.exit === null ? '' : String(r.exit)), align: 'right', style: (r) => (r.exit ? 'red' : null) },
  { header: 'DUR', value: (r) => formatDuration(r.durationMs), align: 'right' },
  { header: 'RULE', value: (r) => r.rules.join(','), max: 28, style: () => 'cyan' },
  { header: 'CWD', value: (r) => r.cwd, max: 28, style: () => 'dim' },
  { header: 'COMMAND', value: describe },
];

/**
 * On a narrow terminal the columns that matter least go first, so COMMAND keeps room to be read:
 * each entry is dropped below its terminal width.
 */
const DROP_BELOW: Array<[header: string, columns: number]> = [
  ['CWD', 170],
  ['HOST', 140],
  ['DUR', 130],
  ['SEQ', 115],
  ['SEV', 105],
  ['RULE', 90],
];

/** The table's columns for a terminal this wide (undefined: not a terminal, all of them). */
function columnsFor(width: number | undefined, columns: Column<LogRow>[]): Column<LogRow>[] {
  if (width === undefined) return columns;
  const dropped = new Set(DROP_BELOW.filter(([, below]) => width < below).map(([header]) => header));
  return columns.filter((c) => !dropped.has(c.header));
}

/** Column widths for --follow, where rows arrive one batch at a time. */
const FOLLOW_WIDTHS: Record<string, number> = { SEQ: 7, TIME: 25, USER: 10, HOST: 12, DECISION: 10, SEV: 8, EXIT: 4, DUR: 6, RULE: 20, CWD: 20 };

const CSV_HEADER = [
  'seq',
  'time',
  'end_time',
  'duration_ms',
  'exit',
  'kind',
  'decision',
  'severity',
  'rules',
  'matched',
  'user',
  'uid',
  'host',
  'tty',
  'shell',
  'pid',
  'session',
  'cmd',
  'cwd',
  'env',
  'signal',
  'via',
  'command',
];

function csvRow(r: LogRow): CsvValue[] {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return [
    r.seq,
    iso(r.ts),
    iso(r.endTs),
    r.durationMs,
    r.exit,
    r.kind,
    r.decision,
    r.severity,
    r.rules.join(' '),
    r.matched.join(' '),
    r.user,
    r.uid,
    r.host,
    r.tty,
    r.shell,
    r.pid,
    r.session,
    r.cmd,
    r.cwd,
    r.env,
    r.signal,
    r.via,
    r.command,
  ];
}

type Format = 'table' | 'json' | 'ndjson' | 'csv';

/** Writes rows in `format`; `first` says whether a header belongs before them. */
function writer(format: Format, layout: { streaming: boolean }): (rows: LogRow[], first: boolean) => void {
  const out = (s: string) => void process.stdout.write(s);
  switch (format) {
    case 'json':
      // Streamed as the array JSON.stringify(rows, null, 2) would print, a page at a time.
      return (rows, first) =>
        out(rows.map((r, i) => `${first && i === 0 ? '[\n' : ',\n'}${terminalSafeJson(JSON.stringify(r, null, 2)).replace(/^/gm, '  ')}`).join(''));
    case 'ndjson':
      return (rows) => out(rows.map((r) => terminalSafeJson(JSON.stringify(r)) + '\n').join(''));
    case 'csv': {
      // Formula cells are always neutralised; on a terminal control characters are shown too.
      const opts = { visible: Boolean(process.stdout.isTTY) };
      return (rows, first) => out((first ? csvLine(CSV_HEADER, opts) : '') + rows.map((r) => csvLine(csvRow(r), opts)).join(''));
    }
    case 'table': {
      const paint = painter(colorEnabled(process.stdout));
      const tty = Boolean(process.stdout.isTTY);
      const maxWidth = tty ? process.stdout.columns : undefined;
      const fitting = columnsFor(maxWidth, LOG_COLUMNS);
      const columns = layout.streaming ? fitting.map((c) => ({ ...c, width: FOLLOW_WIDTHS[c.header] })) : fitting;
      return (rows, first) => {
        if (!rows.length && !first) return;
        out(renderTable(columns, rows, { paint, header: first, maxWidth }));
      };
    }
  }
}

/**
 * What `--follow` prints: rows as they land and, when the result of a row already printed arrives,
 * that row again with it. On a terminal the table row is rewritten in place (while it is still on
 * screen); elsewhere, and in the machine formats, the row follows again with the same seq, now
 * with its exit, end time and duration: a reader keys by seq, the last one wins.
 */
interface FollowOutput {
  rows(rows: LogRow[], first: boolean): void;
  finished(row: LogRow): void;
}

function followOutput(format: Format): FollowOutput {
  if (format === 'table' && process.stdout.isTTY) return new TerminalFollow();
  const write = writer(format, { streaming: true });
  return { rows: write, finished: (row) => write([row], false) };
}

/** The --follow table on a terminal: knows the screen line of each row, to rewrite it in place. */
class TerminalFollow implements FollowOutput {
  private readonly paint = painter(colorEnabled(process.stdout));
  private readonly columns = columnsFor(process.stdout.columns, LOG_COLUMNS).map((c) => ({ ...c, width: FOLLOW_WIDTHS[c.header] }));
  /** Screen lines written so far, and the line each row still awaiting its result starts on. */
  private lines = 0;
  private readonly lineOf = new Map<number, number>();

  rows(rows: LogRow[], first: boolean): void {
    if (first) this.out(renderTable(this.columns, [], { paint: this.paint, header: true, maxWidth: process.stdout.columns }));
    for (const r of rows) {
      if (awaitsResult(r)) this.lineOf.set(r.seq, this.lines);
      this.out(this.render(r));
    }
    // Rows long scrolled off are never rewritten: forget the oldest beyond the bound.
    for (const seq of this.lineOf.keys()) {
      if (this.lineOf.size <= AWAITED_MAX) break;
      this.lineOf.delete(seq);
    }
  }

  finished(row: LogRow): void {
    const at = this.lineOf.get(row.seq);
    this.lineOf.delete(row.seq);
    const text = this.render(row);
    const up = at === undefined ? 0 : this.lines - at;
    // In place only while the row is on screen and is one screen line (wrapped rows are not).
    if (at !== undefined && up < (process.stdout.rows ?? 24) && this.screenLines(text) === 1) {
      process.stdout.write(`\x1b[${up}A\r\x1b[2K${text.trimEnd()}\x1b[${up}B\r`);
      return;
    }
    this.out(text);
  }

  private render(r: LogRow): string {
    return renderTable(this.columns, [r], { paint: this.paint, header: false, maxWidth: process.stdout.columns });
  }

  private screenLines(text: string): number {
    const width = process.stdout.columns || 80;
    return text
      .split('\n')
      .slice(0, -1)
      .reduce((n, l) => n + Math.max(1, Math.ceil(visibleWidth(l) / width)), 0);
  }

  private out(text: string): void {
    this.lines += this.screenLines(text);
    process.stdout.write(text);
  }
}

/** Rows printed whose command may still report a result; bounded (a result may never come). */
const AWAITED_MAX = 500;

function awaitsResult(r: LogRow): boolean {
  if (r.kind !== 'command' && r.kind !== 'statement') return false;
  if (r.endTs !== null || r.exit !== null) return false;
  return r.decision === null || !(NOT_RUN_DECISIONS as readonly string[]).includes(r.decision);
}

/**
 * Polls for rows after the last one seen until SIGINT/SIGTERM or a closed stdout, and for the
 * results of the rows printed while their commands ran.
 */
function follow(store: AuditStore, filter: LogFilter, output: FollowOutput, printed: LogRow[], startAfter: number): Promise<void> {
  return new Promise((resolve) => {
    let last = startAfter;
    let timer: NodeJS.Timeout | undefined;
    const awaited = new Set<number>();
    const expect = (rows: LogRow[]) => {
      for (const r of rows) if (awaitsResult(r)) awaited.add(r.seq);
      for (const seq of awaited) {
        if (awaited.size <= AWAITED_MAX) break;
        awaited.delete(seq);
      }
    };
    const stop = () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.once('error', stop); // EPIPE: the reader went away
    expect(printed);
    const poll = () => {
      const head = store.head()?.seq ?? last;
      if (awaited.size && head > last) {
        const seqs = [...awaited];
        for (const r of store.query({ ...filter, seqs, afterSeq: undefined, throughSeq: head, reverse: true, limit: seqs.length })) {
          if (awaitsResult(r)) continue;
          awaited.delete(r.seq);
          output.finished(r);
        }
      }
      for (;;) {
        const rows = store.query({ ...filter, afterSeq: last, throughSeq: head, reverse: true, limit: 1000 });
        if (rows.length) output.rows(rows, false);
        expect(rows);
        if (rows.length < 1000) break;
        last = rows[rows.length - 1]!.seq;
      }
      last = Math.max(last, head);
      timer = setTimeout(poll, FOLLOW_POLL_MS);
    };
    timer = setTimeout(poll, FOLLOW_POLL_MS);
  });
}

/** The rule ids `--rule` may name: catalog, engine and, when the config loads, its custom rules. */
async function ruleIdsForLog(): Promise<Set<string>> {
  const [{ knownRuleIds }, { loadConfig }, { resolvePaths }] = await Promise.all([
    import('../daemon/engine/rules/suggest.js'),
    import('../daemon/config/load.js'),
    import('../daemon/paths.js'),
  ]);
  try {
    return knownRuleIds(loadConfig(resolvePaths(process.env)).rules.custom);
  } catch {
    return knownRuleIds(); // log works with a broken config; `prodguard config check` reports it
  }
}

export async function runLog(o: LogOptions): Promise<void> {
  const formats = (['json', 'ndjson', 'csv'] as const).filter((f) => o[f]);
  if (formats.length > 1) throw new UserError(`choose one output format, not --${formats.join(' and --')}`);
  const format = (formats[0] as Format | undefined) ?? 'table';
  if (o.follow && format === 'json') throw new UserError('--follow streams rows: use --ndjson (or --csv) instead of --json');
  if (o.follow && o.reverse) throw new UserError('--follow already prints oldest first; drop --reverse');
  if (o.all && o.limit !== undefined) throw new UserError('--all and --limit contradict each other: keep one');
  const filter = toFilter(o);
  const known = o.rule === undefined ? null : await ruleIdsForLog();
  await withAudit({ readonly: true }, async (store) => {
    // An id no rule has and no record holds is a typo: say which id was meant rather than print nothing.
    // (An id of a rule since removed still finds its old records.)
    if (o.rule !== undefined && known && !known.has(o.rule) && !store.query({ rule: o.rule, limit: 1 }).length) {
      throw new UserError(unknownRuleMessage(o.rule, known));
    }
    if (!o.follow) {
      const write = writer(format, { streaming: false });
      if (format === 'table') return writeTablePage(store, filter, o, write);
      // Machine formats are complete unless a --limit was asked for.
      let first = true;
      for (const rows of pages(store, filter)) {
        write(rows, first);
        first = false;
      }
      if (first) write([], true);
      if (format === 'json') process.stdout.write(first ? '[]\n' : '\n]\n');
      return;
    }
    // Like tail -f: the newest matching rows first (oldest of them on top), then what lands.
    const head = store.head()?.seq ?? 0;
    const recent = store.query({ ...filter, throughSeq: head }).reverse();
    const output = followOutput(format);
    output.rows(recent, true);
    await follow(store, filter, output, recent, head);
  });
}

/** The terminal table: one page (50 rows unless --limit or --all), and a word when there is more. */
function writeTablePage(store: AuditStore, filter: LogFilter, o: LogOptions, write: (rows: LogRow[], first: boolean) => void): void {
  const page: LogFilter = { ...filter, limit: o.all ? undefined : (o.limit ?? DEFAULT_LIMIT) };
  const rows = [...pages(store, page)].flat();
  write(rows, true);
  if (!rows.length) {
    process.stderr.write('(no matching rows)\n');
    return;
  }
  if (page.limit !== undefined && rows.length === page.limit) {
    const total = store.count(filter);
    if (total > rows.length) process.stderr.write(`(${rows.length} of ${total} rows; --limit N or --all for more)\n`);
  }
}

export function register(program: Command): void {
  timeRangeOptions(program.command('log'))
    .description('Show the audit trail: every production command with what prodguard decided (newest first)')
    .option('--user <name>', 'only commands run by this user')
    .option('--host <name>', 'only commands run on this host')
    .option('--session <id>', 'only this production shell session (or coding agent session)')
    .option('--agent <name>', `only lines a coding agent ran through \`prodguard hook\` (${AGENT_NAMES.join(', ')})`)
    .addOption(new Option('--kind <kind>', 'only lines from interactive shells, coding agents or `prodguard wrap`').choices(SOURCE_KINDS))
    .option('--cwd <dir>', 'only commands run in this directory or below it')
    .addOption(new Option('--severity <level>', 'at least this severity').choices(SEVERITY_ORDER))
    .option('--decision <list>', `only these decisions (repeatable or comma-separated): ${DECISIONS.join(', ')}`, decisionArg)
    .option('--rule <id>', 'only commands that matched this rule id')
    .option('--exit <code>', 'only commands that exited with this code', intArg('--exit', -2147483648))
    .option('--failed', 'only commands that exited non-zero')
    .option('--search <text>', 'full-text search of the command line (all words must appear)')
    .option('--limit <n>', `at most this many rows (default: all for --json/--ndjson/--csv, ${DEFAULT_LIMIT} for the table)`, intArg('--limit', 1))
    .option('--all', 'every matching row in the table too')
    .option('--reverse', 'oldest first')
    .option('--json', 'a JSON array')
    .option('--ndjson', 'one JSON object per line')
    .option('--csv', 'CSV (RFC 4180)')
    .option('-f, --follow', 'keep printing new rows as they are recorded (Ctrl-C to stop)')
    .action((o: LogOptions) => runLog(o));
}
