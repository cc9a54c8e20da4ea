// Exponential backoff with jitter ("equal jitter": half fixed, half random) so that many daemons
// recovering from the same outage do not retry in lockstep.

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const exp = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
