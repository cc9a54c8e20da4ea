import type { AuditEvent, Decision } from '../store/record.js';
import type { Verdict } from '../engine/verdict/schema.js';
import type { CheckRequest, DecisionRequest, FinishRequest, Origin, SessionRequest } from './protocol.js';

// Protocol requests -> audit events. The uid is the daemon's own: only the same uid can reach the
// unix socket (0600 in a 0700 dir) or read the TCP token.

type Via = AuditEvent['via'];
const daemonUid = process.getuid?.() ?? null;

function fromOrigin(o: Origin, ts: number, via: Via): Pick<AuditEvent, 'ts' | 'session' | 'user' | 'uid' | 'host' | 'tty' | 'shell' | 'pid' | 'via'> {
  return { ts, session: o.session, user: o.user, uid: daemonUid, host: o.host, tty: o.tty, shell: o.shell, pid: o.pid, via };
}

const empty = {
  command: null, rules: [], matched: [], severity: null, decision: null, exit: null, durationMs: null,
} satisfies Partial<AuditEvent>;

/** Decision recorded straight away for a verdict, or null for `confirm` (the hook asks first). */
export function immediateDecision(v: Verdict): Decision | null {
  if (v.verdict === 'block') return 'blocked';
  if (v.verdict === 'confirm') return null;
  return v.disabled ? 'disabled' : v.dryRun ? 'dry-run' : 'allowed';
}

/** The command (or wrapped statement) event: what ran or was refused, and why. */
export function commandEvent(req: CheckRequest | DecisionRequest, v: Verdict, decision: Decision, via: Via): AuditEvent {
  return {
    ...fromOrigin(req.origin, req.ts, via),
    ...empty,
    kind: req.statement ? 'statement' : 'command',
    cmd: req.cmd,
    cwd: req.cwd,
    env: v.production.env,
    signal: v.production.signal,
    command: v.redacted,
    rules: v.matches.map((m) => m.rule),
    matched: v.matches.map((m) => m.command),
    severity: v.severity,
    decision,
  };
}

export function resultEvent(req: FinishRequest, via: Via): AuditEvent {
  return {
    ...fromOrigin(req.origin, req.ts, via),
    ...empty,
    kind: 'result',
    cmd: req.cmd,
    cwd: '',
    env: null,
    signal: null,
    exit: req.exit,
    durationMs: req.durationMs,
  };
}

const SESSION_KIND = { start: 'session-start', end: 'session-end', disabled: 'disabled' } as const;

export function sessionEvent(req: SessionRequest, production: Verdict['production'] | null, via: Via): AuditEvent {
  return {
    ...fromOrigin(req.origin, req.ts, via),
    ...empty,
    kind: SESSION_KIND[req.event],
    cmd: null,
    cwd: req.cwd,
    env: production?.env ?? null,
    signal: production?.signal ?? null,
    decision: req.event === 'disabled' ? 'disabled' : null,
  };
}
