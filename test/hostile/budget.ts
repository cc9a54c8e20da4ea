import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Shared limits of the hostile-input properties: how many inputs each runs, and the heap check.

export const RUNS = 100_000;
const WARMUP = 2_000;
/** Generous: the machine is shared (2 cores); the run count, not the clock, is the requirement. */
export const FUZZ_TIMEOUT_MS = 600_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Runs `run(WARMUP)` to warm caches (JIT, zod, fast-check's own), then `run(RUNS)`, and asserts
 * the live heap grew by less than `mb` MB across the big run (after a full GC on both sides): a
 * leak proportional to the 100,000 inputs would show as hundreds of MB.
 */
export function boundedHeap(mb: number, run: (numRuns: number) => void): void {
  run(WARMUP);
  gc();
  const before = process.memoryUsage().heapUsed;
  run(RUNS);
  gc();
  const grew = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  if (grew >= mb) throw new Error(`heap grew by ${grew.toFixed(1)} MB over ${RUNS} runs (limit ${mb} MB)`);
}
