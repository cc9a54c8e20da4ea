// The agent hooks' shared values that are not value lists (those are in ./enums.ts), zod-free:
// the lean hook entry (cli/hook.ts, run on every tool call of a coding agent) must not load zod
// (~50 ms to import).

/** A code `prodguard allow CODE` redeems: six digits. */
export const ALLOW_CODE_RE = /^\d{6}$/;

/** How long an allow-once code can be redeemed, and how long an allowed line then waits for the agent's retry. */
export const ALLOW_WINDOW_MS = 10 * 60_000;
