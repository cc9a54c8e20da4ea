import type { AgentName, AgentOutcome, Decision } from '../contract/enums.js';
import type { Verdict } from '../contract/verdict.js';
import { PROTOCOL_VERSION } from '../contract/wire.js';
import { lineHash, type Grants } from './grants.js';
import type { AgentReply } from './answer.js';

// What an agent's hook does with a verdict, the same with the daemon up (server/agents.ts) or
// down (cli/agents/local.ts): outside production nothing; allow-level passes (never an "allow"
// that would skip the agent's own permission flow); block-level is denied with the alternative;
// confirm-level goes to a human: Claude Code asks its user; Codex and Gemini (which cannot ask)
// deny with an allow-once code, and the line passes once after `prodguard allow CODE`.

export interface AgentCall {
  agent: AgentName;
  session: string;
  line: string;
  cwd: string;
  /** The agent will put an "ask" to its human (Claude Code, unless its permission prompts are off). */
  canAsk: boolean;
}

export interface AgentDecision {
  outcome: AgentOutcome;
  /** What is recorded; null outside production (nothing is). */
  decision: Decision | null;
  code: string | null;
  approver: string | null;
}

/**
 * An agent redeeming its own code (or talking to the daemon's socket or the grants file
 * directly) is refused wherever it runs: the allow-once is a human's act.
 */
const SELF_ALLOW = /\bprodguard\b[^\n]*\ballow\b|daemon\.sock|agent-grants/;
export const SELF_ALLOW_RULE = {
  rule: 'agent.self-allow',
  domain: 'agent',
  severity: 'critical',
  reason: 'an agent cannot allow its own denied command: the allow-once is for a human at a terminal',
  target: null,
  confirm: '',
  alternative: 'stop and ask the human to run `prodguard allow CODE` in their own terminal',
  // No dry run: the line is refused whatever it would do.
  dryRun: { form: null, check: null, advice: null, prefix: 'ignored', prefixSet: false },
} as const;

/** The verdict an agent gets: the engine's, or a block when the line reaches for the allow-once itself. */
export function agentVerdict(v: Verdict, line: string): Verdict {
  if (!SELF_ALLOW.test(line)) return v;
  return { ...v, verdict: 'block', severity: 'critical', confirm: null, matches: [{ ...SELF_ALLOW_RULE, command: v.redacted }, ...v.matches] };
}

export function decideAgentCall(v: Verdict, call: AgentCall, grants: Grants, now: number): AgentDecision {
  const pass = (decision: Decision | null, approver: string | null = null): AgentDecision => ({ outcome: 'pass', decision, code: null, approver });
  if (v.verdict === 'block') return { outcome: 'block', decision: v.production.active ? 'blocked' : null, code: null, approver: null };
  if (!v.production.active) return pass(null);
  if (v.verdict === 'allow') return pass(v.disabled ? 'disabled' : v.dryRun ? 'dry-run' : 'allowed');
  const hash = lineHash(call.line);
  const granted = grants.take(call.agent, call.session, hash, now);
  if (granted) return pass('confirmed', granted.approver);
  if (call.canAsk) return { outcome: 'ask', decision: 'asked', code: null, approver: null };
  const code = grants.issue(
    {
      agent: call.agent,
      session: call.session,
      lineHash: hash,
      redacted: v.redacted,
      cwd: call.cwd,
      rules: v.matches.map((m) => m.rule),
      phrase: v.confirm ?? '',
    },
    now,
  );
  return { outcome: 'deny', decision: 'denied', code, approver: null };
}

/** What the agent's answer is made of (answer.ts). */
export function replyOf(v: Verdict, d: AgentDecision): AgentReply {
  return {
    outcome: d.outcome,
    decision: d.decision,
    code: d.code,
    production: v.production.active,
    env: v.production.env,
    signal: v.production.signal,
    phrase: v.confirm ?? '',
    matches: v.matches
      .slice(0, 5)
      .map((m) => ({ rule: m.rule, severity: m.severity, reason: m.reason, alternative: m.alternative, command: m.command })),
    problems: v.problems.slice(0, 3),
  };
}

/** The reply to an agent `pre` over the protocol (flat). */
export const agentReplyLine = (v: Verdict, d: AgentDecision): string => JSON.stringify({ v: PROTOCOL_VERSION, ok: true, ...replyOf(v, d) });
