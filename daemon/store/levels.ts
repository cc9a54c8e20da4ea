// The value lists the store and `prodguard log` need, without zod: `log` must not pay for loading
// it (~50 ms of a start-up that is most of the command). record.ts builds its enums from these,
// and a test holds SEVERITIES equal to the engine's SEVERITY_ORDER.

/** Severity levels, lowest first (the engine's SEVERITY_ORDER; sev_rank in the schema is index + 1). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/**
 * What became of a command (DecisionSchema's options, in this order). `asked`: an agent's
 * confirm-level line handed to the agent's own permission prompt (Claude Code "ask"); `denied`:
 * an agent's confirm-level line refused until a human allows it once (`prodguard allow CODE`).
 */
export const DECISIONS = ['allowed', 'confirmed', 'dry-run', 'cancelled', 'blocked', 'disabled', 'asked', 'denied'] as const;

/** Where a line came from, for `prodguard log --kind` (the origin's `shell` groups into these). */
export const ORIGIN_KINDS = ['shell', 'agent', 'wrap'] as const;
