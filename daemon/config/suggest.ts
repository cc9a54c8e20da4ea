import { z } from 'zod';
import { ConfigSchema } from './schema.js';

// "did you mean" for a misspelt config key: the known keys at the same place in the schema (its
// JSON Schema, walked by the path), the closest within a few edits. Only on the error path.

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

let schema: JsonSchema | null = null;

/** The keys an object at `path` may have (for arrays of kinds: the union of their keys). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  schema ??= z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  let nodes: JsonSchema[] = [schema];
  for (const p of path) {
    nodes = nodes.flatMap((n) => alternatives(n)).flatMap((n) => (typeof p === 'number' ? (n.items ? [n.items] : []) : n.properties?.[String(p)] ? [n.properties[String(p)]!] : []));
  }
  return [...new Set(nodes.flatMap(alternatives).flatMap((n) => Object.keys(n.properties ?? {})))];
}

function alternatives(n: JsonSchema): JsonSchema[] {
  const alts = n.anyOf ?? n.oneOf;
  return alts ? alts.flatMap(alternatives) : [n];
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}
