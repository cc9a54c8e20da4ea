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

/** What became of a command. */
export const DECISIONS = ['allowed', 'confirmed', 'dry-run', 'cancelled', 'blocked', 'disabled'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The shells a hook is generated for. */
export const HOOK_SHELLS = ['bash', 'zsh'] as const;
export type HookShell = (typeof HOOK_SHELLS)[number];

/** Who sends requests: a hooked shell, a `wrap` session or the CLI. */
export const ORIGIN_KINDS = [...HOOK_SHELLS, 'wrap', 'cli'] as const;
export type OriginKind = (typeof ORIGIN_KINDS)[number];

/** The kinds of audit event (see ./events.ts). */
export const EVENT_KINDS = ['command', 'result', 'session-start', 'session-end', 'disabled', 'enabled', 'tampered', 'checkpoint', 'statement'] as const;
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
