import type { AgentName, AgentOutcome } from '../contract/enums.js';

// The agent's answer, in its own contract (design notes, "Agent hooks"). Only exit 0 with this
// JSON, or exit 2, stops a command: any other exit lets it RUN, so every path ends here.
//   Claude Code  {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"|"deny","permissionDecisionReason"}}
//   Codex CLI    the same with "deny" only (it fails open on "ask", unknown fields, a bare "allow")
//   Gemini CLI   {"decision":"deny","reason"} (stdout holds only the JSON)
// Passing is no output at all: never an "allow", which would skip the agent's own permission flow.

export interface ReplyMatch {
  rule: string;
  severity: string;
  reason: string;
  alternative: string;
  command: string;
}

/** A decided call, as the answer needs it (outcome.ts replyOf). */
export interface AgentReply {
  outcome: AgentOutcome;
  decision: string | null;
  code: string | null;
  production: boolean;
  env: string | null;
  signal: string | null;
  phrase: string;
  matches: ReplyMatch[];
  problems: string[];
}

export interface Answer {
  stdout: string;
  exitCode: 0;
}

export const PASS: Answer = { stdout: '', exitCode: 0 };

const clip = (s: string, n = 200): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
const where = (r: AgentReply): string => (r.production ? ` in ${r.env ?? 'production'}${r.signal ? ` (${r.signal})` : ''}` : '');

function matchLines(r: AgentReply, withAlternative: boolean): string[] {
  const out: string[] = [];
  for (const m of r.matches) {
    out.push(`${m.rule} (${m.severity}): ${m.reason}. Matched: ${clip(m.command, 120)}`);
    if (withAlternative && m.alternative) out.push(`Instead: ${clip(m.alternative)}`);
  }
  for (const p of r.problems) out.push(`Note: ${clip(p)}`);
  return out;
}

/** The text the agent (deny) or its human (ask) reads. */
export function reasonText(r: AgentReply, minutes: number): string {
  switch (r.outcome) {
    case 'block':
      return [
        `prodguard: BLOCKED${where(r)}: this command is never run here. Do not retry it or work around it; use the safe alternative.`,
        ...matchLines(r, true),
      ].join('\n');
    case 'ask':
      return [
        `prodguard: this command needs a human's confirmation${where(r)}.`,
        ...matchLines(r, true),
        `At a production shell prompt you would have to type "${r.phrase}" to run it. Approve only if you mean it.`,
      ].join('\n');
    case 'deny':
      // No phrase here: this reason goes to the model; the human sees the phrase in `prodguard allow`.
      return [
        `prodguard: refused${where(r)} until a human allows it.`,
        ...matchLines(r, true),
        `A human can allow exactly this command once, for this session, within ${minutes} minutes: run \`prodguard allow ${r.code}\` in a terminal and type the confirmation phrase, then retry the command unchanged.`,
      ].join('\n');
    case 'pass':
      return '';
  }
}

export function failureText(why: string): string {
  return `prodguard: this command was not checked (${why}), so it is refused: the guard fails closed. Retry the tool call; if this persists, run \`prodguard doctor\`.`;
}

function refusal(agent: AgentName, decision: 'ask' | 'deny', reason: string): Answer {
  const body =
    agent === 'gemini'
      ? { decision: 'deny', reason }
      : {
          hookSpecificOutput: {
            hookEventName: 'PreToolUse',
            permissionDecision: agent === 'codex' ? 'deny' : decision,
            permissionDecisionReason: reason,
          },
        };
  return { stdout: `${JSON.stringify(body)}\n`, exitCode: 0 };
}

export function answerFor(agent: AgentName, r: AgentReply, minutes: number): Answer {
  if (r.outcome === 'pass') return PASS;
  return refusal(agent, r.outcome === 'ask' ? 'ask' : 'deny', reasonText(r, minutes));
}

export const failureAnswer = (agent: AgentName, why: string): Answer => refusal(agent, 'deny', failureText(why));
