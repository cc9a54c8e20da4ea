import type { Decision, Via } from './enums.js';
import type { AuditEvent } from './events.js';
import { DAEMON_UID, identity } from './identity.js';
import type { Origin } from './protocol.js';
import type { Verdict } from './verdict.js';

// Requests -> audit events, for the daemon's protocol handler (server/events.ts) and the coding
// agents' hooks (agents/events.ts) alike: one builder, so a field added to the event is filled
// the same way on both. The uid is the daemon's own: only the same uid can reach the unix socket
// (0600 in a 0700 dir) or read the TCP token.

/**
 * A new event from a request's origin, what the request does not say left null. Every field in
 * one literal: a stable object shape (spreads made this the hot path's slowest step).
 */
export function originEvent(kind: AuditEvent['kind'], o: Origin, cmd: number | null, ts: number, cwd: string, via: Via): AuditEvent {
  return {
    kind,
    ts,
    session: o.session,
    cmd,
    user: identity(o.user),
    uid: DAEMON_UID,
    host: o.host,
    tty: o.tty,
    shell: o.shell,
    pid: o.pid,
    cwd,
    env: null,
    signal: null,
    command: null,
    rules: [],
    matched: [],
    severity: null,
    decision: null,
    exit: null,
    durationMs: null,
    via,
    anchor: null,
  };
}

/** Fills a command event from its verdict: production, the redacted line, the rules and what they matched, the decision. */
export function withVerdict(e: AuditEvent, v: Verdict, decision: Decision): AuditEvent {
  e.env = v.production.env;
  e.signal = v.production.signal;
  e.command = v.redacted;
  e.rules = v.matches.map((m) => m.rule);
  e.matched = v.matches.map((m) => m.command);
  e.severity = v.severity;
  e.decision = decision;
  return e;
}
