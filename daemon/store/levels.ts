// The value lists the store and `prodguard log` need, without zod: `log` must not pay for loading
// it (~50 ms of a start-up that is most of the command). record.ts builds its enums from these,
// and a test holds SEVERITIES equal to the engine's SEVERITY_ORDER.

/** Severity levels, lowest first (the engine's SEVERITY_ORDER; sev_rank in the schema is index + 1). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** What became of a command (DecisionSchema's options, in this order). */
export const DECISIONS = ['allowed', 'confirmed', 'dry-run', 'cancelled', 'blocked', 'disabled'] as const;
