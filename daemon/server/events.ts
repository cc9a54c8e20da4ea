import type { Via } from '../contract/enums.js';
import { originEvent as base, withVerdict } from '../contract/event-build.js';
import type { AuditEvent, Decision } from '../contract/events.js';
import { immediateDecision, type Verdict } from '../contract/verdict.js';

export { immediateDecision };
import type { CheckRequest, DecisionRequest, FinishRequest, SessionRequest } from '../contract/protocol.js';

// Protocol requests -> audit events (built by contract/event-build.ts, which the agents' events share).

/** The command (or wrapped statement) event: what ran or was refused, and why. */
export function commandEvent(req: CheckRequest | DecisionRequest, v: Verdict, decision: Decision, via: Via): AuditEvent {
  return withVerdict(base(req.statement ? 'statement' : 'command', req.origin, req.cmd, req.ts, req.cwd, via), v, decision);
}

export function resultEvent(req: FinishRequest, via: Via): AuditEvent {
  const e = base('result', req.origin, req.cmd, req.ts, '', via);
  e.exit = req.exit;
  e.durationMs = req.durationMs;
  return e;
}

const SESSION_KIND = { start: 'session-start', end: 'session-end', disabled: 'disabled', enabled: 'enabled', tampered: 'tampered' } as const;

/** The cause is kept in the command column (a fixed vocabulary: no user text, nothing to redact). */
export function sessionEvent(req: SessionRequest, production: Verdict['production'] | null, via: Via): AuditEvent {
  const e = base(SESSION_KIND[req.event], req.origin, req.cmd ?? null, req.ts, req.cwd, via);
  e.env = production?.env ?? null;
  e.signal = production?.signal ?? null;
  e.command = req.cause || null;
  e.decision = req.event === 'disabled' ? 'disabled' : null;
  // The guard found itself changed: as grave as a critical rule (alerted through every target).
  if (req.event === 'tampered') e.severity = 'critical';
  return e;
}

/**
 * A result arrived for a line recorded cancelled or blocked: the line ran although the guard said
 * it did not. Recorded (with the result itself) and alerted as a guard failure.
 */
export function guardFailureEvent(req: FinishRequest, decision: string, via: Via): AuditEvent {
  const e = base('tampered', req.origin, null, req.ts, '', via);
  e.command = `guard-failure: cmd ${req.cmd} was recorded ${decision} and then ran (exit ${req.exit})`;
  e.severity = 'critical';
  return e;
}
