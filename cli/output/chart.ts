// Small terminal charts: a sparkline for a series, a bar for one value against the largest.

const SPARKS = '▁▂▃▄▅▆▇█';
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 || max === 0 ? ' ' : SPARKS[Math.min(7, Math.floor((v / max) * 7.999))])).join('');
}

/** A horizontal bar `width` cells long at `max`, with eighth-cell resolution; at least a sliver when v > 0. */
export function bar(value: number, max: number, width = 30): string {
  if (value <= 0 || max <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}
