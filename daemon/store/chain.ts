import * as crypto from 'node:crypto';
import type { AuditEvent } from './record.js';

// The hash chain, written so an auditor can recompute it without prodguard:
//
//   hash(row) = lowercase hex SHA-256 of the UTF-8 bytes of  prevHash + canonical(row)
//
// where prevHash is the previous row's hash (64 lowercase hex digits; GENESIS, 64 zeros, for the
// first row ever written) and canonical(row) is the JSON text, with no whitespace, of one object
// holding exactly these keys in exactly this order:
//
//   kind, ts, session, cmd, user, uid, host, tty, shell, pid, cwd, env, signal, command,
//   rules, matched, severity, decision, exit, durationMs, via, anchor
//
// followed, on rows where any of them is set (agent rows, schema v2), by  agent, approver, note.
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

/** Key order of the canonical form; changing it breaks every existing chain. */
export const CANONICAL_KEYS = [
  'kind', 'ts', 'session', 'cmd', 'user', 'uid', 'host', 'tty', 'shell', 'pid', 'cwd', 'env', 'signal',
  'command', 'rules', 'matched', 'severity', 'decision', 'exit', 'durationMs', 'via', 'anchor',
] as const satisfies readonly (keyof AuditEvent)[];

export function canonical(e: AuditEvent): string {
  // A literal in CANONICAL_KEYS order (JSON.stringify keeps insertion order); faster than a loop.
  const a = e.anchor;
  return JSON.stringify({
    kind: e.kind, ts: e.ts, session: e.session, cmd: e.cmd ?? null, user: e.user, uid: e.uid ?? null, host: e.host, tty: e.tty,
    shell: e.shell, pid: e.pid ?? null, cwd: e.cwd, env: e.env ?? null, signal: e.signal ?? null, command: e.command ?? null,
    rules: e.rules, matched: e.matched, severity: e.severity ?? null, decision: e.decision ?? null, exit: e.exit ?? null,
    durationMs: e.durationMs ?? null, via: e.via, anchor: a ? { seq: a.seq, hash: a.hash } : null,
    ...(e.agent == null && e.approver == null && e.note == null ? {} : { agent: e.agent ?? null, approver: e.approver ?? null, note: e.note ?? null }),
  });
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

export function wellFormed(e: AuditEvent): AuditEvent {
  // The common case (no surrogate anywhere, anchor present): the event itself, no copy.
  if (
    e.anchor !== undefined &&
    clean(e.session) && clean(e.user) && clean(e.host) && clean(e.tty) && clean(e.shell) && clean(e.cwd) &&
    clean(e.env) && clean(e.signal) && clean(e.command) && e.rules.every(clean) && e.matched.every(clean) &&
    clean(e.agent ?? null) && clean(e.approver ?? null) && clean(e.note ?? null)
  ) {
    return e;
  }
  const fix = (s: string) => (ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s);
  const fixN = (s: string | null) => (s === null ? null : fix(s));
  return {
    ...e,
    session: fix(e.session),
    user: fix(e.user),
    host: fix(e.host),
    tty: fix(e.tty),
    shell: fix(e.shell),
    cwd: fix(e.cwd),
    env: fixN(e.env),
    signal: fixN(e.signal),
    command: fixN(e.command),
    rules: e.rules.map(fix),
    matched: e.matched.map(fix),
    anchor: e.anchor ?? null,
    agent: fixN(e.agent ?? null),
    approver: fixN(e.approver ?? null),
    note: fixN(e.note ?? null),
  };
}
