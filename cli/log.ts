import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Severity } from '../daemon/engine/rules/schema.js';
import { DECISIONS, ORIGIN_KINDS, SEVERITIES as SEVERITY_ORDER } from '../daemon/store/levels.js';
import type { Decision } from '../daemon/store/record.js';
import type { AuditStore } from '../daemon/store/sqlite.js';
import type { LogFilter, LogRow } from '../daemon/store/types.js';
import { timeRangeOptions, withAudit } from './audit-db.js';
import { UserError } from './errors.js';
import { colorEnabled, painter, type Style } from './output/color.js';
import { csvLine, type CsvValue } from './output/csv.js';
import { renderTable, type Column } from './output/table.js';
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
  limit: number;
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
      return 'production shell closed';
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

/** Column widths for --follow, where rows arrive one batch at a time. */
const FOLLOW_WIDTHS: Record<string, number> = { SEQ: 7, TIME: 19, USER: 10, HOST: 12, DECISION: 10, SEV: 8, EXIT: 4, DUR: 6, RULE: 20, CWD: 20 };

const CSV_HEADER = [
  'seq', 'time', 'end_time', 'duration_ms', 'exit', 'kind', 'decision', 'severity', 'rules', 'matched', 'user', 'uid', 'host',
  'tty', 'shell', 'pid', 'session', 'cmd', 'cwd', 'env', 'signal', 'via', 'command',
];

function csvRow(r: LogRow): CsvValue[] {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return [
    r.seq, iso(r.ts), iso(r.endTs), r.durationMs, r.exit, r.kind, r.decision, r.severity, r.rules.join(' '), r.matched.join(' '),
    r.user, r.uid, r.host, r.tty, r.shell, r.pid, r.session, r.cmd, r.cwd, r.env, r.signal, r.via, r.command,
  ];
}

type Format = 'table' | 'json' | 'ndjson' | 'csv';

/** Writes rows in `format`; `first` says whether a header belongs before them. */
function writer(format: Format, streaming: boolean): (rows: LogRow[], first: boolean) => void {
  const out = (s: string) => void process.stdout.write(s);
  switch (format) {
    case 'json':
      return (rows) => out(JSON.stringify(rows, null, 2) + '\n');
    case 'ndjson':
      return (rows) => out(rows.map((r) => JSON.stringify(r) + '\n').join(''));
    case 'csv':
      return (rows, first) => out((first ? csvLine(CSV_HEADER) : '') + rows.map((r) => csvLine(csvRow(r))).join(''));
    case 'table': {
      const paint = painter(colorEnabled(process.stdout));
      const tty = Boolean(process.stdout.isTTY);
      const columns = streaming ? LOG_COLUMNS.map((c) => ({ ...c, width: FOLLOW_WIDTHS[c.header] })) : LOG_COLUMNS;
      return (rows, first) => {
        if (!rows.length && !first) return;
        out(renderTable(columns, rows, { paint, header: first, maxWidth: tty ? process.stdout.columns : undefined }));
      };
    }
  }
}

/** Polls for rows after the last one seen until SIGINT/SIGTERM or a closed stdout. */
function follow(store: AuditStore, filter: LogFilter, write: (rows: LogRow[], first: boolean) => void, startAfter: number): Promise<void> {
  return new Promise((resolve) => {
    let last = startAfter;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.once('error', stop); // EPIPE: the reader went away
    const poll = () => {
      const head = store.head()?.seq ?? last;
      for (;;) {
        const rows = store.query({ ...filter, afterSeq: last, throughSeq: head, reverse: true, limit: 1000 });
        if (rows.length) write(rows, false);
        if (rows.length < 1000) break;
        last = rows[rows.length - 1]!.seq;
      }
      last = Math.max(last, head);
      timer = setTimeout(poll, FOLLOW_POLL_MS);
    };
    timer = setTimeout(poll, FOLLOW_POLL_MS);
  });
}

export async function runLog(o: LogOptions): Promise<void> {
  const formats = (['json', 'ndjson', 'csv'] as const).filter((f) => o[f]);
  if (formats.length > 1) throw new UserError(`choose one output format, not --${formats.join(' and --')}`);
  const format = (formats[0] as Format | undefined) ?? 'table';
  if (o.follow && format === 'json') throw new UserError('--follow streams rows: use --ndjson (or --csv) instead of --json');
  if (o.follow && o.reverse) throw new UserError('--follow already prints oldest first; drop --reverse');
  const filter = toFilter(o);
  await withAudit({ readonly: true }, async (store) => {
    const write = writer(format, Boolean(o.follow));
    if (!o.follow) {
      const rows = store.query(filter);
      write(rows, true);
      if (!rows.length && format === 'table') process.stderr.write('(no matching rows)\n');
      return;
    }
    // Like tail -f: the newest matching rows first (oldest of them on top), then what lands.
    const head = store.head()?.seq ?? 0;
    const recent = store.query({ ...filter, throughSeq: head }).reverse();
    write(recent, true);
    await follow(store, filter, write, head);
  });
}

export function register(program: Command): void {
  timeRangeOptions(program.command('log'))
    .description('Show the audit trail: every production command with what prodguard decided (newest first)')
    .option('--user <name>', 'only commands run by this user')
    .option('--host <name>', 'only commands run on this host')
    .option('--session <id>', 'only this production shell session (or coding agent session)')
    .option('--agent <name>', 'only lines a coding agent ran through `prodguard hook` (claude-code, codex, gemini)')
    .addOption(new Option('--kind <kind>', 'only lines from interactive shells, coding agents or `prodguard wrap`').choices(ORIGIN_KINDS))
    .option('--cwd <dir>', 'only commands run in this directory or below it')
    .addOption(new Option('--severity <level>', 'at least this severity').choices(SEVERITY_ORDER))
    .option('--decision <list>', `only these decisions (repeatable or comma-separated): ${DECISIONS.join(', ')}`, decisionArg)
    .option('--rule <id>', 'only commands that matched this rule id')
    .option('--exit <code>', 'only commands that exited with this code', intArg('--exit', -2147483648))
    .option('--failed', 'only commands that exited non-zero')
    .option('--search <text>', 'full-text search of the command line (all words must appear)')
    .option('--limit <n>', 'at most this many rows', intArg('--limit', 1), 50)
    .option('--reverse', 'oldest first')
    .option('--json', 'a JSON array')
    .option('--ndjson', 'one JSON object per line')
    .option('--csv', 'CSV (RFC 4180)')
    .option('-f, --follow', 'keep printing new rows as they are recorded (Ctrl-C to stop)')
    .action((o: LogOptions) => runLog(o));
}
