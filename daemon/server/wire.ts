// Protocol values the lean agent hook (cli/hook.ts) needs without loading zod (~50 ms to import):
// protocol.ts builds its schemas from these.

export const PROTOCOL_VERSION = 1;

/** The coding agents `prodguard hook` speaks to, by the name used on the command line and in the audit trail. */
export const AGENT_NAMES = ['claude-code', 'codex', 'gemini'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** What the daemon tells an agent hook to do (cli/agents/contracts.ts turns it into the agent's own answer). */
export const AGENT_OUTCOMES = ['pass', 'ask', 'deny', 'block'] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

/** A code `prodguard allow CODE` redeems: six digits. */
export const ALLOW_CODE_RE = /^\d{6}$/;

/** How long an allow-once code can be redeemed, and how long an allowed line then waits for the agent's retry. */
export const ALLOW_WINDOW_MS = 10 * 60_000;
