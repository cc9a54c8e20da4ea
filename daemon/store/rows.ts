import { ANCHOR_COLUMNS, EVENT_COLUMNS, EVENT_FIELDS, type EventFieldSpec } from '../contract/event-fields.js';
import type { AuditEvent } from '../contract/events.js';
import type { LogRow } from './types.js';

// Conversions between events and SQLite rows, compiled from the one field table
// (contract/event-fields.ts), so the hash that verify recomputes reads exactly the fields
// append wrote.

/** A column's value as stored: lists as JSON text, the rest as the event holds it. */
type ColumnValue<F extends EventFieldSpec> = F['type'] extends 'list' ? string : AuditEvent[F['key']];

type ColumnField = Exclude<EventFieldSpec, { type: 'anchor' }>;
export type EventRow = {
  [C in ColumnField['column']]: ColumnValue<Extract<ColumnField, { column: C }>>;
} & { seq: number; anchor_seq: number | null; anchor_hash: string | null; prev_hash: string; hash: string };

/** All stored columns of one row, in insert order. */
const INSERT_COLUMNS = ['seq', ...EVENT_COLUMNS, 'prev_hash', 'hash'];

export const INSERT_SQL = `INSERT INTO events (${INSERT_COLUMNS.join(', ')})
VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT DO NOTHING`;

/** JSON text of a string list ('[]' for the common empty one, without a stringify). */
const jsonList = (xs: string[]): string => (xs.length === 0 ? '[]' : JSON.stringify(xs));

// The two converters are compiled from the table into straight-line code (one array literal,
// one object literal): insertParams is on the hot path and rowToEvent on verify's, and a loop
// over the table per row measured slower than the literal it replaces.
const key = (k: string): string => JSON.stringify(k);

/** INSERT_SQL's parameters, in its column order (positional binding: the hot path). */
export const insertParams: (e: AuditEvent, seq: number, prevHash: string, hash: string) => unknown[] = new Function(
  'jsonList',
  `return (e, seq, prevHash, hash) => [seq, ${EVENT_FIELDS.map((f) => {
    const at = `e[${key(f.key)}]`;
    if (f.type === 'list') return `jsonList(${at})`;
    if (f.type === 'anchor') return `${at}?.seq ?? null, ${at}?.hash ?? null`;
    // A whenSet field is optional in the event: absent binds as NULL.
    return f.whenSet ? `${at} ?? null` : at;
  }).join(', ')}, prevHash, hash];`,
)(jsonList);

export const rowToEvent: (r: EventRow) => AuditEvent = new Function(
  `return (r) => ({ ${EVENT_FIELDS.map((f) => {
    const at = `r[${key(f.column)}]`;
    if (f.type === 'list') return `${key(f.key)}: JSON.parse(${at})`;
    if (f.type === 'anchor') {
      const [s, h] = ANCHOR_COLUMNS.map((c) => `r[${key(c)}]`);
      return `${key(f.key)}: ${s} === null || ${h} === null ? null : { seq: ${s}, hash: ${h} }`;
    }
    return `${key(f.key)}: ${at}`;
  }).join(', ')} });`,
)();

/** A row of the log query (see query.ts LOG_SELECT). */
export type LogQueryRow = Omit<EventRow, 'anchor_seq' | 'anchor_hash' | 'prev_hash' | 'hash'> & { end_ts: number | null };

export function toLogRow(r: LogQueryRow): LogRow {
  const { anchor: _anchor, ...event } = rowToEvent({ ...r, anchor_seq: null, anchor_hash: null, prev_hash: '', hash: '' });
  return { seq: r.seq, ...event, endTs: r.end_ts };
}
