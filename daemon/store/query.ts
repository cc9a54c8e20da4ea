import { HOOK_SHELLS, SEVERITIES as SEVERITY_ORDER, type SourceKind } from '../contract/enums.js';
import { ANCHOR_COLUMNS, EVENT_COLUMNS } from '../contract/event-fields.js';
import type { LogFilter } from './types.js';

// LogFilter -> one SQL statement with bound parameters. User text never reaches the SQL text;
// it is bound, and search words are quoted into FTS5 phrases.

export const DEFAULT_LIMIT = 50;

/** Columns of a log row: the decided event `e` with its `result` event `r` joined in. */
const JOINED = ['exit', 'duration_ms'];
const OWN = EVENT_COLUMNS.filter((c) => !JOINED.includes(c) && !(ANCHOR_COLUMNS as readonly string[]).includes(c)).map((c) => `e.${c}`);
const LOG_SELECT = `
SELECT e.seq, ${OWN.join(', ')},
       r.ts AS end_ts, coalesce(r.exit, e.exit) AS exit, coalesce(r.duration_ms, e.duration_ms) AS duration_ms
FROM events e
LEFT JOIN events r ON r.session = e.session AND r.cmd = e.cmd AND r.kind = 'result' AND e.kind IN ('command', 'statement')`;

/** `--kind`: the origin's `shell` column grouped (agent rows have shell `agent`; `wrap` statements shell `wrap`). */
const KIND_WHERE: Readonly<Record<SourceKind, string>> = {
  shell: `e.shell IN (${HOOK_SHELLS.map((s) => `'${s}'`).join(', ')})`,
  agent: "e.shell = 'agent'",
  wrap: "(e.shell = 'wrap' OR e.kind = 'statement')",
};

/**
 * Quotes each whitespace-separated word as an FTS5 phrase ("" doubles a quote), so operators,
 * column filters and punctuation in user text are plain text. All words must appear.
 */
export function ftsQuery(text: string): string | null {
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (!words.length) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

export interface Built {
  sql: string;
  params: unknown[];
}

export function buildLogQuery(f: LogFilter): Built {
  const limit = f.limit ?? DEFAULT_LIMIT;
  const dir = f.reverse ? 'ASC' : 'DESC';
  const { where, params } = logWhere(f, limit);
  params.push(limit);
  return { sql: `${LOG_SELECT}\nWHERE ${where.join(' AND ')}\nORDER BY e.seq ${dir}\nLIMIT ?`, params };
}

/** How many rows match `f` (its limit and seq bounds aside: what a page is a page of). */
export function buildLogCount(f: LogFilter): Built {
  const { where, params } = logWhere({ ...f, seqs: undefined, afterSeq: undefined, throughSeq: undefined }, null);
  return { sql: `SELECT count(*) FROM (${LOG_SELECT}\nWHERE ${where.join(' AND ')})`, params };
}

/**
 * The WHERE terms of a log query. `searchLimit`: with a search alone, FTS picks the newest (or
 * oldest) n rowids itself; null where every match counts.
 */
function logWhere(f: LogFilter, searchLimit: number | null): { where: string[]; params: unknown[] } {
  const where: string[] = ["e.kind <> 'result'"];
  const params: unknown[] = [];
  const dir = f.reverse ? 'ASC' : 'DESC';
  if (f.since !== undefined) where.push('e.ts >= ?'), params.push(f.since);
  if (f.until !== undefined) where.push('e.ts < ?'), params.push(f.until);
  // A row's user is the account, with the shell's $USER beside it where that differed
  // (contract/identity.ts): --user matches the account either way.
  // The store resolves --user into the stored user values first (see userValues): one value, the
  // common case, keeps the plain equality the user index serves in seq order.
  const users = f.userValues ?? (f.user !== undefined ? [f.user] : null);
  if (users) {
    if (users.length === 1) where.push('e.user = ?');
    else where.push(`e.user IN (${users.map(() => '?').join(', ')})`);
    params.push(...users);
  }
  if (f.host !== undefined) where.push('e.host = ?'), params.push(f.host);
  if (f.session !== undefined) where.push('e.session = ?'), params.push(f.session);
  if (f.agent !== undefined) where.push('e.agent = ?'), params.push(f.agent);
  if (f.kind !== undefined) where.push(KIND_WHERE[f.kind]);
  if (f.cwd !== undefined) {
    // A directory and everything below it: '0' is the character after '/', so the range
    // [d + '/', d + '0') is exactly "starts with d/" and walks the cwd index.
    const d = f.cwd.replace(/\/+$/, '');
    where.push('(e.cwd = ? OR (e.cwd >= ? AND e.cwd < ?))');
    params.push(d || '/', d + '/', d + '0');
  }
  if (f.severity !== undefined) {
    const rank = SEVERITY_ORDER.indexOf(f.severity) + 1;
    // One level walks its index already in seq order (stops after n rows); a range of levels
    // would have to sort every match (measured: 0.7 s on 1M rows), so it scans newest first.
    if (rank === SEVERITY_ORDER.length) where.push('e.sev_rank = ?');
    else where.push('+e.sev_rank >= ?');
    params.push(rank);
  }
  if (f.decision?.length) {
    where.push(`e.decision IN (${f.decision.map(() => '?').join(', ')})`);
    params.push(...f.decision);
    // The literal term of the partial index events_decision, so the planner may use it.
    if (!f.decision.includes('allowed')) where.push("e.decision <> 'allowed'");
  }
  if (f.rule !== undefined) where.push('e.seq IN (SELECT seq FROM event_rules WHERE rule = ?)'), params.push(f.rule);
  if (f.exit !== undefined) where.push('coalesce(r.exit, e.exit) = ?'), params.push(f.exit);
  if (f.failed) where.push('coalesce(r.exit, e.exit) <> 0');
  if (f.seqs !== undefined) where.push(`e.seq IN (${f.seqs.map(() => '?').join(', ') || 'NULL'})`), params.push(...f.seqs);
  if (f.afterSeq !== undefined) where.push('e.seq > ?'), params.push(f.afterSeq);
  if (f.throughSeq !== undefined) where.push('e.seq <= ?'), params.push(f.throughSeq);
  if (f.search !== undefined) {
    const q = ftsQuery(f.search);
    if (q === null) where.push('0');
    else {
      // Search alone: let FTS pick the newest n rowids (0.3 ms on 1M rows, design notes);
      // combined with other filters the subquery cannot be cut short before they apply.
      const alone = where.length === 1 && searchLimit !== null;
      where.push(`e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${alone ? ` ORDER BY rowid ${dir} LIMIT ?` : ''})`);
      params.push(q);
      if (alone) params.push(searchLimit);
    }
  }
  return { where, params };
}

/**
 * The stored user values `--user NAME` means are the account itself and the rows where a shell
 * claimed another $USER (`NAME ($USER=x)`, contract/identity.ts). All sort in [NAME, NAME ($USER>):
 * the next one after the last found, below the end, is one seek on the user index (see the store's userValues).
 */
export const NEXT_USER_SQL = 'SELECT user FROM events WHERE user > ? AND user < ? ORDER BY user LIMIT 1';

export const DECIDED = "kind IN ('command', 'statement')";

/** WHERE clause over events of some kinds (default: decided ones) in a time window. */
export function buildWindow(since?: number, until?: number, kinds = DECIDED): Built {
  const where = [kinds];
  const params: unknown[] = [];
  if (since !== undefined) where.push('ts >= ?'), params.push(since);
  if (until !== undefined) where.push('ts < ?'), params.push(until);
  return { sql: where.join(' AND '), params };
}
