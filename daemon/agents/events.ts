import { createHash, randomInt } from 'node:crypto';
import type { Decision } from '../contract/enums.js';
import { DAEMON_UID as daemonUid, identity } from '../contract/identity.js';
import type { AuditEvent } from '../contract/events.js';
import type { AgentRequest } from '../contract/protocol.js';
import type { Verdict } from '../contract/verdict.js';

// Agent hook requests -> audit events: origin shell `agent`, the agent's name and session id, the
// redacted command and its rules, the decision; the result when the agent reports one. One row
// per tool call, joined to its result by (session, cmd) like a shell line.

/** A tool call's cmd number: from the agent and its tool call id (pre and post agree), else random. */
export function agentCmd(agent: string, toolUseId: string | undefined): number {
  if (toolUseId === undefined || toolUseId === '') return randomInt(2 ** 47) + 2 ** 47;
  return Number.parseInt(createHash('sha256').update(`${agent}\0${toolUseId}`).digest('hex').slice(0, 12), 16);
}

function agentBase(kind: AuditEvent['kind'], req: AgentRequest, cmd: number, via: AuditEvent['via']): AuditEvent {
  const o = req.origin;
  return {
    kind,
    ts: req.ts,
    session: o.session,
    cmd,
    user: identity(o.user),
    uid: daemonUid,
    host: o.host,
    tty: o.tty,
    shell: 'agent',
    pid: o.pid,
    cwd: req.cwd,
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
    agent: req.agent,
    approver: null,
    note: req.note ?? null,
  };
}

export function agentCommandEvent(
  req: AgentRequest,
  v: Verdict,
  decision: Decision,
  approver: string | null,
  cmd: number,
  via: AuditEvent['via'],
): AuditEvent {
  const e = agentBase('command', req, cmd, via);
  e.env = v.production.env;
  e.signal = v.production.signal;
  e.command = v.redacted;
  e.rules = v.matches.map((m) => m.rule);
  e.matched = v.matches.map((m) => m.command);
  e.severity = v.severity;
  e.decision = decision;
  e.approver = approver;
  return e;
}

export function agentResultEvent(req: AgentRequest, cmd: number, durationMs: number | null, via: AuditEvent['via']): AuditEvent {
  const e = agentBase('result', req, cmd, via);
  e.cwd = '';
  e.exit = req.exit ?? null;
  e.durationMs = durationMs;
  return e;
}
