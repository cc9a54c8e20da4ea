import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Shared limits of the hostile-input properties: how many inputs each runs, and the heap check.

export const RUNS = 100_000;
/** Generous: the machine is shared (2 cores); the run count, not the clock, is the requirement. */
export const FUZZ_TIMEOUT_MS = 600_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Runs `fn` and asserts the live heap grew by less than `mb` MB across it (after a full GC on both
 * sides): a leak proportional to the 100,000 inputs would show as hundreds of MB.
 */
export function heapGrowthUnder(mb: number, fn: () => void): void {
  gc();
  const before = process.memoryUsage().heapUsed;
  fn();
  gc();
  const grew = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  if (grew >= mb) throw new Error(`heap grew by ${grew.toFixed(1)} MB over the run (limit ${mb} MB)`);
}
