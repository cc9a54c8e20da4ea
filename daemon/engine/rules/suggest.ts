import { loadCatalog } from './catalog/index.js';
import { ENGINE_RULES } from './engine-rules.js';
import type { Rule } from './schema.js';

// "Did you mean": the known rule id closest to one a user typed (`rules.disabled`, `log --rule`),
// so a typo or an old id is a one-line error that names the fix, never a silent no-op.

/** Every rule id the engine can report under a config: the catalog, the config's own, the engine's. */
export function knownRuleIds(custom: readonly Pick<Rule, 'id'>[] = []): Set<string> {
  return new Set([...loadCatalog().rules.map((r) => r.id), ...custom.map((r) => r.id), ...ENGINE_RULES.map((r) => r.id)]);
}

/** Levenshtein distance, two rows (config/suggest.ts uses it for config keys too). */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known id closest to `id`: the same name in another domain first (`fs.rm-recursive` ->
 * `filesystem.rm-recursive`), else the smallest edit distance.
 */
export function closestRuleId(id: string, known: Iterable<string>): string | null {
  const ids = [...known];
  const name = id.slice(id.indexOf('.') + 1).toLowerCase();
  const sameName = ids.find((k) => k.slice(k.indexOf('.') + 1) === name);
  if (sameName) return sameName;
  let best: string | null = null;
  let bestScore = Infinity;
  for (const k of ids) {
    const d = Math.min(distance(id.toLowerCase(), k), distance(name, k.slice(k.indexOf('.') + 1)) + 1);
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  return best;
}

/** "unknown rule id "x": the closest is y (prodguard rules list shows them all)". */
export function unknownRuleMessage(id: string, known: Iterable<string>): string {
  const near = closestRuleId(id, known);
  return `unknown rule id ${JSON.stringify(id)}${near ? `: the closest is ${near}` : ''} (prodguard rules list shows them all)`;
}
