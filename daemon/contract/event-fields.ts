import type { AuditEvent } from './events.js';

// The audit event's fields, once, in canonical order: the order the hash chain serialises them
// in (store/chain.ts), the columns they are stored in (store/rows.ts) and what the consistency
// checks compare (test/contract). Plain data without zod: `prodguard log` and `verify` read it.
// Changing the order or a key breaks every existing chain; a new field needs a new migration.

/**
 * `text`/`integer`/`real`: one column of that SQLite type; `list`: a string array stored as JSON
 * text; `anchor`: the checkpoint's {seq, hash}, stored as anchor_seq and anchor_hash.
 * `nullable`: the hash writes a missing value as null.
 * `whenSet`: a field added after rows were first written (the agent columns, schema v3). The hash
 * writes these fields (all of them, a missing one as null) only on a row where one is set, so
 * every row written before they existed keeps its hash.
 */
export type FieldType = 'text' | 'integer' | 'real' | 'list' | 'anchor';

export interface EventField {
  readonly key: keyof AuditEvent;
  readonly column: string;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly whenSet: boolean;
}

/** One field; `column` when the stored name differs from the key. */
function f<K extends keyof AuditEvent, T extends FieldType>(
  key: K,
  type: T,
  nullable: boolean,
): { key: K; column: K; type: T; nullable: boolean; whenSet: false };
function f<K extends keyof AuditEvent, T extends FieldType, C extends string>(
  key: K,
  type: T,
  nullable: boolean,
  column: C,
): { key: K; column: C; type: T; nullable: boolean; whenSet: false };
function f(key: string, type: FieldType, nullable: boolean, column: string = key): EventField {
  return { key: key as keyof AuditEvent, column, type, nullable, whenSet: false };
}

/** A nullable text field hashed only on rows where it (or another `whenSet` field) is set. */
function later<K extends keyof AuditEvent>(key: K): { key: K; column: K; type: 'text'; nullable: true; whenSet: true } {
  return { key, column: key, type: 'text', nullable: true, whenSet: true };
}

export const EVENT_FIELDS = [
  f('kind', 'text', false),
  f('ts', 'integer', false),
  f('session', 'text', false),
  f('cmd', 'integer', true),
  f('user', 'text', false),
  f('uid', 'integer', true),
  f('host', 'text', false),
  f('tty', 'text', false),
  f('shell', 'text', false),
  f('pid', 'integer', true),
  f('cwd', 'text', false),
  f('env', 'text', true),
  f('signal', 'text', true),
  f('command', 'text', true),
  f('rules', 'list', false),
  f('matched', 'list', false),
  f('severity', 'text', true),
  f('decision', 'text', true),
  f('exit', 'integer', true),
  f('durationMs', 'real', true, 'duration_ms'),
  f('via', 'text', false),
  f('anchor', 'anchor', true, 'anchor_seq'),
  // Agent rows (schema v3): the coding agent, who allowed a line once, a note on an unusual record.
  later('agent'),
  later('approver'),
  later('note'),
] as const satisfies readonly EventField[];

export type EventFieldSpec = (typeof EVENT_FIELDS)[number];

/** The two columns of the anchor field. */
export const ANCHOR_COLUMNS = ['anchor_seq', 'anchor_hash'] as const;

/** Every AuditEvent key is in the table (the compiler fails here when one is missing). */
type Missing = Exclude<keyof AuditEvent, EventFieldSpec['key']>;
const everyKeyListed: [Missing] extends [never] ? true : Missing = true;
void everyKeyListed;

/** Keys in canonical order (the `whenSet` ones last). */
export const CANONICAL_KEYS = EVENT_FIELDS.map((x) => x.key);

/** Keys of the fields hashed only on rows where one of them is set. */
export const WHEN_SET_KEYS = EVENT_FIELDS.filter((x) => x.whenSet).map((x) => x.key);

/** The stored columns of an event, in table order (the anchor as its two columns). */
export const EVENT_COLUMNS: readonly string[] = EVENT_FIELDS.flatMap((x): readonly string[] => (x.type === 'anchor' ? ANCHOR_COLUMNS : [x.column]));

/** Keys of the string fields (made well-formed before hashing), and of the string lists. */
type OfType<T extends FieldType> = Extract<EventFieldSpec, { type: T }>;
const ofType = <T extends FieldType>(type: T): OfType<T>['key'][] =>
  EVENT_FIELDS.filter((x): x is OfType<T> => x.type === type).map((x): OfType<T>['key'] => x.key as OfType<T>['key']);
export const TEXT_KEYS = ofType('text');
export const LIST_KEYS = ofType('list');
