import type { AuditEvent } from './record.js';
import type { LogRow } from './types.js';

// Conversions between events and SQLite rows, in one place so the hash that verify recomputes
// reads exactly the fields append wrote.

export interface EventRow {
  seq: number;
  kind: AuditEvent['kind'];
  ts: number;
  session: string;
  cmd: number | null;
  user: string;
  uid: number | null;
  host: string;
  tty: string;
  shell: string;
  pid: number | null;
  cwd: string;
  env: string | null;
  signal: string | null;
  command: string | null;
  rules: string;
  matched: string;
  severity: AuditEvent['severity'];
  decision: AuditEvent['decision'];
  exit: number | null;
  duration_ms: number | null;
  via: AuditEvent['via'];
  anchor_seq: number | null;
  anchor_hash: string | null;
  agent: string | null;
  approver: string | null;
  note: string | null;
  prev_hash: string;
  hash: string;
}

export const INSERT_SQL = `INSERT INTO events (seq, kind, ts, session, cmd, user, uid, host, tty, shell, pid, cwd, env,
  signal, command, rules, matched, severity, decision, exit, duration_ms, via, anchor_seq, anchor_hash, agent, approver, note, prev_hash, hash)
VALUES (${Array(29).fill('?').join(', ')})
ON CONFLICT DO NOTHING`;

/** JSON text of a string list ('[]' for the common empty one, without a stringify). */
const jsonList = (xs: string[]): string => (xs.length === 0 ? '[]' : JSON.stringify(xs));

/** INSERT_SQL's parameters, in its column order (positional binding: the hot path). */
export function insertParams(e: AuditEvent, seq: number, prevHash: string, hash: string): unknown[] {
  return [
    seq, e.kind, e.ts, e.session, e.cmd, e.user, e.uid, e.host, e.tty, e.shell, e.pid, e.cwd, e.env, e.signal, e.command,
    jsonList(e.rules), jsonList(e.matched), e.severity, e.decision, e.exit, e.durationMs, e.via,
    e.anchor?.seq ?? null, e.anchor?.hash ?? null, e.agent ?? null, e.approver ?? null, e.note ?? null, prevHash, hash,
  ];
}

export function rowToEvent(r: EventRow): AuditEvent {
  return {
    kind: r.kind,
    ts: r.ts,
    session: r.session,
    cmd: r.cmd,
    user: r.user,
    uid: r.uid,
    host: r.host,
    tty: r.tty,
    shell: r.shell,
    pid: r.pid,
    cwd: r.cwd,
    env: r.env,
    signal: r.signal,
    command: r.command,
    rules: JSON.parse(r.rules) as string[],
    matched: JSON.parse(r.matched) as string[],
    severity: r.severity,
    decision: r.decision,
    exit: r.exit,
    durationMs: r.duration_ms,
    via: r.via,
    anchor: r.anchor_seq === null || r.anchor_hash === null ? null : { seq: r.anchor_seq, hash: r.anchor_hash },
    agent: r.agent ?? null,
    approver: r.approver ?? null,
    note: r.note ?? null,
  };
}

/** A row of the log query (see query.ts LOG_SELECT). */
export type LogQueryRow = Omit<EventRow, 'anchor_seq' | 'anchor_hash' | 'prev_hash' | 'hash'> & { end_ts: number | null };

export function toLogRow(r: LogQueryRow): LogRow {
  const { anchor: _anchor, ...event } = rowToEvent({ ...r, anchor_seq: null, anchor_hash: null, prev_hash: '', hash: '' });
  return { seq: r.seq, ...event, endTs: r.end_ts };
}
