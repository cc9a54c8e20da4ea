import * as crypto from 'node:crypto';
import { CANONICAL_KEYS, EVENT_FIELDS, TEXT_KEYS, LIST_KEYS, type EventField } from '../contract/event-fields.js';
import type { AuditEvent } from '../contract/events.js';

// The hash chain, written so an auditor can recompute it without prodguard:
//
//   hash(row) = lowercase hex SHA-256 of the UTF-8 bytes of  prevHash + canonical(row)
//
// where prevHash is the previous row's hash (64 lowercase hex digits; GENESIS, 64 zeros, for the
// first row ever written) and canonical(row) is the JSON text, with no whitespace, of one object
// holding exactly the keys of EVENT_FIELDS (contract/event-fields.ts) in exactly that order:
//
//   kind, ts, session, cmd, user, uid, host, tty, shell, pid, cwd, env, signal, command,
//   rules, matched, severity, decision, exit, durationMs, via, anchor, agent, approver, note
//
// (spelled out here for auditors; test/contract/single-source.test.ts holds it equal to the table)
//
// except that the last three (agent rows, schema v3: the table's `whenSet` fields) are left out
// of the object on a row where none of them is set, so every row written before them keeps its
// hash; on a row where one is set, all three are written (a missing one as null).
//
// A field that is absent is written as null (`anchor` is {"seq":N,"hash":"..."} on checkpoint
// rows and null everywhere else). Numbers and strings are formatted as ECMAScript JSON.stringify
// formats them (shortest round-trip numbers; strings escaped per RFC 8259 with non-ASCII left as
// UTF-8). The `seq` column is not hashed: the order is fixed by each row naming its predecessor's
// hash, and seq is the row's position. From the stored columns (rules and matched hold JSON
// arrays as text), e.g. with jq 1.7:
//
//   sqlite3 -json audit.db 'SELECT * FROM events ORDER BY seq' | jq -c '.[] | {kind, ts, session,
//     cmd, user, uid, host, tty, shell, pid, cwd, env, signal, command, rules: (.rules|fromjson),
//     matched: (.matched|fromjson), severity, decision, exit, durationMs: .duration_ms, via,
//     anchor: (if .anchor_seq == null then null else {seq: .anchor_seq, hash: .anchor_hash} end)}
//     + (if .agent == null and .approver == null and .note == null then {} else {agent, approver, note} end)'

export const GENESIS = '0'.repeat(64);

export { CANONICAL_KEYS };

/**
 * canonical(e), compiled once from EVENT_FIELDS into one object literal in table order
 * (JSON.stringify keeps insertion order): as fast as a hand-written literal, and no second copy
 * of the field list to drift from the table.
 */
export const canonical: (e: AuditEvent) => string = compileCanonical();

function compileCanonical(): (e: AuditEvent) => string {
  const member = (field: EventField): string => {
    const at = `e[${JSON.stringify(field.key)}]`;
    if (field.type === 'anchor') return `${JSON.stringify(field.key)}: ${at} ? { seq: ${at}.seq, hash: ${at}.hash } : null`;
    return `${JSON.stringify(field.key)}: ${at}${field.nullable ? ' ?? null' : ''}`;
  };
  const always = EVENT_FIELDS.filter((x) => !x.whenSet).map(member);
  const whenSet = EVENT_FIELDS.filter((x) => x.whenSet);
  if (whenSet.length === 0) return new Function('e', `return JSON.stringify({ ${always.join(', ')} });`) as (e: AuditEvent) => string;
  // Two literals, one test: the row without the whenSet fields (every row before them) or with all of them.
  const noneSet = whenSet.map((x) => `e[${JSON.stringify(x.key)}] == null`).join(' && ');
  return new Function(
    'e',
    `return ${noneSet} ? JSON.stringify({ ${always.join(', ')} }) : JSON.stringify({ ${[...always, ...whenSet.map(member)].join(', ')} });`,
  ) as (e: AuditEvent) => string;
}

/** SHA-256 hex of a string: crypto.hash (one call, no Hash object; Node >= 20.12), else createHash. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function chainHash(prevHash: string, e: AuditEvent): string {
  // The same bytes as update(prevHash).update(canonical(e)).
  return sha256Hex(prevHash + canonical(e));
}

/**
 * SQLite stores text as UTF-8, so a lone UTF-16 surrogate would come back as U+FFFD and the row
 * would no longer match its hash. Events are made well-formed before they are hashed.
 */
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const clean = (s: string | null): boolean => s === null || !ANY_SURROGATE.test(s);

type TextKey = (typeof TEXT_KEYS)[number];
const textOf = (e: AuditEvent, k: TextKey): string | null => e[k] ?? null;

/** No lone surrogate in any text or list field (loops, not callbacks: this runs per event). */
function isWellFormed(e: AuditEvent): boolean {
  for (const k of TEXT_KEYS) if (!clean(textOf(e, k))) return false;
  for (const k of LIST_KEYS) for (const s of e[k]) if (ANY_SURROGATE.test(s)) return false;
  return true;
}

export function wellFormed(e: AuditEvent): AuditEvent {
  // The common case (no surrogate anywhere, anchor present): the event itself, no copy.
  if (e.anchor !== undefined && isWellFormed(e)) return e;
  const fix = (s: string) => (ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s);
  const out: Record<string, unknown> = { ...e, anchor: e.anchor ?? null };
  for (const k of TEXT_KEYS) {
    const v = textOf(e, k);
    out[k] = v === null ? null : fix(v);
  }
  for (const k of LIST_KEYS) out[k] = e[k].map(fix);
  return out as AuditEvent;
}
