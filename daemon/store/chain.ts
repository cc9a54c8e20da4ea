import { createHash } from 'node:crypto';
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
//     anchor: (if .anchor_seq == null then null else {seq: .anchor_seq, hash: .anchor_hash} end)}'

export const GENESIS = '0'.repeat(64);

/** Key order of the canonical form; changing it breaks every existing chain. */
export const CANONICAL_KEYS = [
  'kind', 'ts', 'session', 'cmd', 'user', 'uid', 'host', 'tty', 'shell', 'pid', 'cwd', 'env', 'signal',
  'command', 'rules', 'matched', 'severity', 'decision', 'exit', 'durationMs', 'via', 'anchor',
] as const satisfies readonly (keyof AuditEvent)[];

export function canonical(e: AuditEvent): string {
  const o: Record<string, unknown> = {};
  for (const k of CANONICAL_KEYS) {
    const v = e[k];
    o[k] = k === 'anchor' && v ? { seq: e.anchor!.seq, hash: e.anchor!.hash } : (v ?? null);
  }
  return JSON.stringify(o);
}

export function chainHash(prevHash: string, e: AuditEvent): string {
  return createHash('sha256').update(prevHash).update(canonical(e)).digest('hex');
}

/**
 * SQLite stores text as UTF-8, so a lone UTF-16 surrogate would come back as U+FFFD and the row
 * would no longer match its hash. Events are made well-formed before they are hashed.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(e: AuditEvent): AuditEvent {
  const fix = (s: string) => s.replace(LONE_SURROGATE, '\uFFFD');
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
  };
}
