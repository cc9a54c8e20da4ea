import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ALLOW_WINDOW_MS } from '../contract/agents.js';
import type { Via } from '../contract/enums.js';
import type { AuditEvent } from '../contract/events.js';
import {
  PROTOCOL_VERSION,
  answerLine,
  errorLine,
  recordedLine,
  type AgentRequest,
  type GrantRequest,
  type HookRequest,
} from '../contract/protocol.js';
import type { Verdict } from '../contract/verdict.js';
import { lineHash, type Grants } from '../agents/grants.js';
import { agentCmd, agentCommandEvent, agentResultEvent } from '../agents/events.js';
import { answerFor, failureAnswer } from '../agents/answer.js';
import { parseHookInput, type ToolCall } from '../agents/input.js';
import { agentReplyLine, agentVerdict, decideAgentCall, replyOf } from '../agents/outcome.js';

// The daemon's side of the agent hooks (`op: "agent"`) and of `prodguard allow` (`op: "grant"`).
// The allow-once codes live here, in memory (daemon/agents/grants.ts).

export interface AgentDeskDeps {
  evaluate: (r: { line: string; env: Record<string, string>; cwd: string }) => Verdict;
  /** Records one event; resolves once it is committed (with null when it was a duplicate). */
  record: (e: AuditEvent) => Promise<{ seq: number } | null>;
  grants: Grants;
  now?: () => number;
}

/** Tool calls remembered for their result (Gemini sends no call id: its AfterTool is joined by line). */
const MAX_CALLS = 1024;

export interface AgentDesk {
  agent(req: AgentRequest, via: Via): Promise<string>;
  hook(req: HookRequest, via: Via): Promise<string>;
  grant(req: GrantRequest): string;
}

/** The agent's own request for a tool call the hook input described. */
function asAgentRequest(req: HookRequest, call: ToolCall | null, ts: number): AgentRequest {
  return {
    v: req.v,
    op: 'agent',
    phase: call?.phase ?? 'record',
    agent: req.agent,
    origin: { ...req.origin, session: call?.session ?? req.origin.session },
    ...(call?.toolUseId ? { toolUseId: call.toolUseId } : {}),
    line: call?.line ?? '',
    cwd: call?.cwd ?? '',
    env: req.env,
    ts,
    exit: call?.exit ?? null,
    via: 'live',
  };
}

/**
 * The environment of a hook process of this uid, from /proc (Linux). Throws when it cannot be
 * read: the hook then refuses the call (without it production cannot be told).
 */
function processEnv(pid: number): Record<string, string> {
  const dir = `/proc/${pid}`;
  if (statSync(dir).uid !== process.getuid?.()) throw new Error(`process ${pid} is not this user's`);
  // The pid must be the hook's (a daemon in another pid namespace would see some other process).
  if (!readFileSync(`${dir}/cmdline`, 'utf8').includes('prodguard-hook')) throw new Error(`process ${pid} is not a prodguard hook`);
  const env: Record<string, string> = {};
  for (const kv of readFileSync(`${dir}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

// The daemon's own user name, looked up once (userInfo() reads the passwd database: ~35 us a call).
let ownUser: string | null = null;
function daemonUser(): string {
  if (ownUser !== null) return ownUser;
  try {
    return (ownUser = userInfo().username);
  } catch {
    return '';
  }
}

export function createAgentDesk(deps: AgentDeskDeps): AgentDesk {
  const now = deps.now ?? Date.now;
  const calls = new Map<string, { cmd: number; ts: number }>();
  const callKey = (req: AgentRequest): string => `${req.agent}\0${req.origin.session}\0${req.toolUseId ?? lineHash(req.line)}`;
  const remember = (req: AgentRequest, cmd: number): void => {
    calls.set(callKey(req), { cmd, ts: req.ts });
    if (calls.size > MAX_CALLS) calls.delete(calls.keys().next().value!);
  };
  const verdictOf = (req: AgentRequest): Verdict => agentVerdict(deps.evaluate(req), req.line);
  const commandRow = (req: AgentRequest, v: Verdict, decision: NonNullable<AuditEvent['decision']>, approver: string | null, via: Via) => {
    const cmd = agentCmd(req.agent, req.toolUseId);
    remember(req, cmd);
    const e = agentCommandEvent(req, v, decision, approver, cmd, via);
    if (req.line === '') e.command = null;
    return deps.record(e);
  };

  async function hook(given: HookRequest, via: Via): Promise<string> {
    const withEnv = given.envPid === undefined ? given : { ...given, env: processEnv(given.envPid) };
    // An agent's environment may hold no USER: the hook runs as this uid, whose name the daemon knows.
    const req = withEnv.origin.user ? withEnv : { ...withEnv, origin: { ...withEnv.origin, user: daemonUser() } };
    const input = parseHookInput(req.agent, req.input, req.post);
    if (input.kind === 'ignore') return answerLine('');
    if (input.kind === 'failure') {
      if (input.phase === 'post') return answerLine('');
      // Not understood: refused, and the refusal recorded with why.
      const base = asAgentRequest(req, null, now());
      const failed: AgentRequest = {
        ...base,
        origin: { ...base.origin, session: input.session },
        toolUseId: `failure-${now()}-${Math.random().toString(36).slice(2, 10)}`,
        note: input.why,
      };
      await commandRow(failed, verdictOf(failed), 'blocked', null, via);
      return answerLine(failureAnswer(req.agent, input.why).stdout);
    }
    const areq = asAgentRequest(req, input.call, now());
    if (input.call.phase === 'post') {
      await desk.agent(areq, via);
      return answerLine('');
    }
    const v = verdictOf(areq);
    const d = decideAgentCall(
      v,
      { agent: areq.agent, session: areq.origin.session, line: areq.line, cwd: areq.cwd, canAsk: input.call.canAsk },
      deps.grants,
      now(),
    );
    if (d.decision !== null) await commandRow(areq, v, d.decision, d.approver, via);
    return answerLine(answerFor(req.agent, replyOf(v, d), ALLOW_WINDOW_MS / 60_000).stdout);
  }

  const desk: AgentDesk = {
    hook,
    async agent(req, via) {
      switch (req.phase) {
        case 'pre': {
          const v = verdictOf(req);
          const d = decideAgentCall(
            v,
            { agent: req.agent, session: req.origin.session, line: req.line, cwd: req.cwd, canAsk: req.agent === 'claude-code' },
            deps.grants,
            now(),
          );
          // Committed before the reply, as a shell line's: an answered call survives kill -9.
          if (d.decision !== null) await commandRow(req, v, d.decision, d.approver, via);
          return agentReplyLine(v, d);
        }
        case 'record':
          // Decided without the daemon (it was down) or a failure the hook refused: recorded as given.
          return recordedLine(await commandRow(req, verdictOf(req), req.decision ?? 'blocked', req.approver ?? null, via));
        case 'post': {
          const seen = calls.get(callKey(req));
          // A result needs its command row: none outside production, none for a call never seen.
          const cmd = req.toolUseId !== undefined ? agentCmd(req.agent, req.toolUseId) : seen?.cmd;
          if (cmd === undefined || !verdictOf(req).production.active) return recordedLine(null);
          calls.delete(callKey(req));
          return recordedLine(await deps.record(agentResultEvent(req, cmd, seen ? Math.max(0, req.ts - seen.ts) : null, via)));
        }
      }
    },
    grant(req) {
      const at = now();
      const fail = errorLine;
      if (req.action === 'show') {
        const g = deps.grants.find(req.code, at);
        if (!g) return fail('unknown or expired code');
        return JSON.stringify({
          v: PROTOCOL_VERSION,
          ok: true,
          code: g.code,
          agent: g.agent,
          session: g.session,
          command: g.redacted,
          cwd: g.cwd,
          rules: g.rules,
          phrase: g.phrase,
          issuedAt: g.issuedAt,
        });
      }
      const r = deps.grants.approve(req.code, req.phrase ?? '', req.approver ?? '', at);
      if (!r.ok)
        return fail(r.why === 'wrong-phrase' ? 'wrong phrase' : r.why === 'void' ? 'wrong phrase; the code is void now' : 'unknown or expired code');
      return JSON.stringify({
        v: PROTOCOL_VERSION,
        ok: true,
        code: r.grant.code,
        agent: r.grant.agent,
        session: r.grant.session,
        approvedAt: r.grant.approvedAt,
      });
    },
  };
  return desk;
}
