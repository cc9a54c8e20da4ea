import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleFileSchema, type Rule } from '../schema.js';
import { compileRule, RuleError, type CompiledRule } from '../compile.js';

// The built-in catalog: every `<domain>.json` in this directory, validated with zod and compiled
// once per process. The directory is read rather than each file imported so that a new domain is
// just a new file, and so Node 20 prints no JSON-module warning; tsc copies the JSON next to the
// compiled module (tsconfig includes daemon/**/*.json), so the same code runs under vitest and
// from dist/. A bad file or rule fails loudly, naming the file and the rule id.

export const CATALOG_DIR = dirname(fileURLToPath(import.meta.url));

export interface CatalogDomain {
  domain: string;
  description: string;
  file: string;
  count: number;
}

export interface Catalog {
  rules: Rule[];
  compiled: CompiledRule[];
  domains: CatalogDomain[];
}

let cached: Catalog | null = null;

export function loadCatalog(dir = CATALOG_DIR): Catalog {
  if (cached && dir === CATALOG_DIR) return cached;
  const catalog: Catalog = { rules: [], compiled: [], domains: [] };
  const seen = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`rule catalog ${file}: invalid JSON: ${(err as Error).message}`);
    }
    const parsed = RuleFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const [, index] = issue.path;
      const id = typeof index === 'number' ? (raw as { rules?: Array<{ id?: unknown }> }).rules?.[index]?.id : undefined;
      throw new Error(`rule catalog ${file}${id ? ` rule ${String(id)}` : ''}: ${issue.path.join('.')}: ${issue.message}`);
    }
    for (const rule of parsed.data.rules) {
      const other = seen.get(rule.id);
      if (other) throw new RuleError(file, rule.id, `duplicate id (also in ${other})`);
      seen.set(rule.id, file);
      catalog.rules.push(rule);
      catalog.compiled.push(compileRule(rule, file));
    }
    catalog.domains.push({ domain: parsed.data.domain, description: parsed.data.description, file, count: parsed.data.rules.length });
  }
  if (dir === CATALOG_DIR) cached = catalog;
  return catalog;
}
