// Every closed value list prodguard shares between its parts (wire protocol, engine, store, CLI,
// generated shell hooks), written once. Plain arrays without zod: `prodguard log` loads these and
// must not pay for loading zod (~50 ms of its start-up); the schemas are in ./schemas.ts.
// test/contract/single-source.test.ts fails when one of these lists is written out again.

/** Statement languages a database client speaks under `prodguard wrap`. */
export const DIALECTS = ['sql', 'redis', 'mongo'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** What the engine (or a rule, or the policy) says about a line, mildest first. */
export const ACTIONS = ['allow', 'confirm', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

/** How a record reached the daemon: live from a hook, or replayed from the hook's spool. */
export const VIAS = ['live', 'spool'] as const;
export type Via = (typeof VIAS)[number];

/** Severity levels, lowest first: the rank of a level is its index. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** 0 for low ... 3 for critical. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** The store's sev_rank column: index + 1 (NULL for no severity), as SQL. */
export const SEV_RANK_SQL = `CASE severity ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i + 1}`).join(' ')} END`;

/**
 * What became of a command. `asked`: an agent's confirm-level line handed to the agent's own
 * permission prompt (Claude Code "ask"); `denied`: an agent's confirm-level line refused until a
 * human allows it once (`prodguard allow CODE`).
 */
export const DECISIONS = ['allowed', 'confirmed', 'dry-run', 'cancelled', 'blocked', 'disabled', 'asked', 'denied'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Decisions of a line that did not run: no result can follow one (a result that does is a guard failure). */
export const NOT_RUN_DECISIONS = ['cancelled', 'blocked', 'denied'] as const satisfies readonly Decision[];

/** The shells a hook is generated for. */
export const HOOK_SHELLS = ['bash', 'zsh'] as const;
export type HookShell = (typeof HOOK_SHELLS)[number];

/** Who sends requests: a hooked shell, a `wrap` session, the CLI or a coding agent's hook (`prodguard hook`). */
export const ORIGIN_KINDS = [...HOOK_SHELLS, 'wrap', 'cli', 'agent'] as const;
export type OriginKind = (typeof ORIGIN_KINDS)[number];

/** Where a line came from, for `prodguard log --kind` (the origin's `shell` groups into these). */
export const SOURCE_KINDS = ['shell', 'agent', 'wrap'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The kinds of audit event (see ./events.ts). */
export const EVENT_KINDS = [
  'command',
  'result',
  'session-start',
  'session-end',
  'disabled',
  'enabled',
  'tampered',
  'checkpoint',
  'statement',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The session events a hook sends. */
export const SESSION_EVENTS = ['start', 'end', 'disabled', 'enabled', 'tampered'] as const;
export type SessionEventName = (typeof SESSION_EVENTS)[number];

/** How a request reaches the daemon: the unix socket (no token) or loopback TCP (with the token). */
export const TRANSPORTS = ['unix', 'tcp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Where the daemon's warm-up is (daemon.warmupLines; the health reply shows it). */
export const WARMUP_STATES = ['off', 'running', 'done', 'failed'] as const;
export type WarmupState = (typeof WARMUP_STATES)[number];

/** The coding agents `prodguard hook` speaks to, by the name used on the command line and in the audit trail. */
export const AGENT_NAMES = ['claude-code', 'codex', 'gemini'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** What the daemon tells an agent hook to do (daemon/agents/answer.ts turns it into the agent's own answer). */
export const AGENT_OUTCOMES = ['pass', 'ask', 'deny', 'block'] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

/** An `agent` request's phase: decide a call before it runs, its reported result, a decision recorded as given. */
export const AGENT_PHASES = ['pre', 'post', 'record'] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

/** What `prodguard allow` asks of the daemon: what a code would allow, or its approval with the typed phrase. */
export const GRANT_ACTIONS = ['show', 'approve'] as const;
