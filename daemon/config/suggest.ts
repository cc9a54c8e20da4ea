import { z } from 'zod';
import { distance } from '../engine/rules/suggest.js';
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
    nodes = nodes
      .flatMap((n) => alternatives(n))
      .flatMap((n) => (typeof p === 'number' ? (n.items ? [n.items] : []) : n.properties?.[String(p)] ? [n.properties[String(p)]!] : []));
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
