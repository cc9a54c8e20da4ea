// Shared shape and statistics for `npm run bench`. Each area adds a module exporting
// `bench(): Promise<BenchSection>` and registers it in ./run.ts. Figures are medians, p99 and
// ratios against a baseline measured in the same run; nothing here asserts a time.

export interface BenchFigure {
  name: string;
  /** The measured value, in `unit`. */
  value: number;
  unit: string;
  /** Human target, e.g. "< 1 ms p99"; null when the figure is context only. */
  target: string | null;
  /** Whether the target is met; null when there is no target. */
  met: boolean | null;
  /** The same-run baseline to compare with, e.g. "bare bash: 0.41 ms". */
  baseline?: string;
}

export interface BenchSection {
  title: string;
  figures: BenchFigure[];
  notes?: string[];
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), mean, max: s[s.length - 1] ?? NaN };
}

/** Milliseconds elapsed since `start` (from process.hrtime.bigint()). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}
