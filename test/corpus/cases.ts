import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CATALOG_DIR } from '../../daemon/engine/rules/catalog/index.js';
import type { Engine, EngineInput } from '../../daemon/engine/index.js';

// The per-domain labelled corpus: beside each catalog/<domain>.json a <domain>.cases.jsonl, one
// case per line with the EXACT set of rule ids the engine must match for it in production
// ([] for a benign line). Shared by test/corpus/domains.test.ts, the bench and the tools that
// write the files, so all read the format the same way.

export const CaseSchema = z
  .object({
    line: z.string().min(1),
    rules: z.array(z.string().min(1)),
    dialect: z.enum(['sql', 'redis', 'mongo']).optional(),
    note: z.string().optional(),
  })
  .strict();
export type Case = z.infer<typeof CaseSchema>;

export interface CasesFile {
  domain: string;
  file: string;
  cases: Array<Case & { lineNo: number }>;
}

export const CASES_SUFFIX = '.cases.jsonl';

/** A client per dialect, as `prodguard wrap` would name it. */
const CLIENT = { sql: 'psql', redis: 'redis-cli', mongo: 'mongosh' } as const;

export const PRODUCTION_ENV = { PRODGUARD_ENV: 'production' };

export function loadCasesFiles(dir = CATALOG_DIR): CasesFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(CASES_SUFFIX))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const cases = readFileSync(file, 'utf8')
        .split('\n')
        .map((text, i) => ({ text, lineNo: i + 1 }))
        .filter((l) => l.text.trim())
        .map(({ text, lineNo }) => {
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch (err) {
            throw new Error(`${f}:${lineNo}: invalid JSON: ${(err as Error).message}`);
          }
          const parsed = CaseSchema.safeParse(raw);
          if (!parsed.success) throw new Error(`${f}:${lineNo}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
          return { ...parsed.data, lineNo };
        });
      return { domain: f.slice(0, -CASES_SUFFIX.length), file, cases };
    });
}

export function caseInput(c: Pick<Case, 'line' | 'dialect'>): EngineInput {
  return { line: c.line, env: PRODUCTION_ENV, statement: c.dialect ? { dialect: c.dialect, client: CLIENT[c.dialect] } : undefined };
}

/**
 * The rule ids a line matches in production, sorted: every match that is not a dry run (a dry run
 * is allowed and recorded as such, so it is not a match to guard). Allowlists play no part:
 * the corpus engine runs on the default config.
 */
export function matchedRules(engine: Engine, c: Pick<Case, 'line' | 'dialect'>): string[] {
  const hits = engine.explain(caseInput(c)).hits.filter((h) => !h.dryRun);
  return [...new Set(hits.map((h) => h.result.rule))].sort();
}

/** Rule ids in a case, sorted and deduplicated, for comparison with matchedRules. */
export const expectedRules = (c: Case): string[] => [...new Set(c.rules)].sort();
