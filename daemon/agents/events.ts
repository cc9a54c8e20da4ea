import { createHash, randomInt } from 'node:crypto';
import type { Decision } from '../contract/enums.js';
import { originEvent, withVerdict } from '../contract/event-build.js';
import type { AuditEvent } from '../contract/events.js';
import type { AgentRequest } from '../contract/protocol.js';
import type { Verdict } from '../contract/verdict.js';

// Agent hook requests -> audit events: origin shell `agent`, the agent's name and session id, the
// redacted command and its rules, the decision; the result when the agent reports one. One row
// per tool call, joined to its result by (session, cmd) like a shell line. Built as the shell
// hooks' events are (contract/event-build.ts), plus the agent columns.

/** A tool call's cmd number: from the agent and its tool call id (pre and post agree), else random. */
export function agentCmd(agent: string, toolUseId: string | undefined): number {
  if (toolUseId === undefined || toolUseId === '') return randomInt(2 ** 47) + 2 ** 47;
  return Number.parseInt(createHash('sha256').update(`${agent}\0${toolUseId}`).digest('hex').slice(0, 12), 16);
}

function agentBase(kind: AuditEvent['kind'], req: AgentRequest, cmd: number, cwd: string, via: AuditEvent['via']): AuditEvent {
  const e = originEvent(kind, req.origin, cmd, req.ts, cwd, via);
  e.shell = 'agent';
  e.agent = req.agent;
  e.approver = null;
  e.note = req.note ?? null;
  return e;
}

export function agentCommandEvent(
  req: AgentRequest,
  v: Verdict,
  decision: Decision,
  approver: string | null,
  cmd: number,
  via: AuditEvent['via'],
): AuditEvent {
  const e = withVerdict(agentBase('command', req, cmd, req.cwd, via), v, decision);
  e.approver = approver;
  return e;
}

export function agentResultEvent(req: AgentRequest, cmd: number, durationMs: number | null, via: AuditEvent['via']): AuditEvent {
  const e = agentBase('result', req, cmd, '', via);
  e.exit = req.exit ?? null;
  e.durationMs = durationMs;
  return e;
}
