import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { loadCasesFiles, matchedRules, PRODUCTION_ENV } from './cases.js';

// The obfuscated corpus of issue 2: destructive lines hidden behind wrappers (sudo, env, bash -c,
// ssh, quoting, $(...)). One assertion per line: the expected rule fires, outside a dry run. The
// labelled destructive and benign lines moved to the per-domain cases files beside the catalog
// (test/corpus/domains.test.ts asserts them line by line).

const DIR = dirname(fileURLToPath(import.meta.url));

interface Entry {
  line: string;
  rule: string;
}

const obfuscated: Entry[] = readFileSync(join(DIR, 'obfuscated.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l, i) => {
    const e = JSON.parse(l) as Partial<Entry>;
    if (typeof e.line !== 'string' || typeof e.rule !== 'string') throw new Error(`obfuscated.jsonl:${i + 1}: "line" and "rule" must be strings`);
    return { line: e.line, rule: e.rule };
  });

const engine = createEngine(defaultConfig(), { hostname: 'corpus-host' });

describe('obfuscated corpus (issue 2)', () => {
  test('at least 100 lines, none of them labelled benign in a cases file', () => {
    expect(obfuscated.length).toBeGreaterThanOrEqual(100);
    const benign = new Set(loadCasesFiles().flatMap((f) => f.cases.filter((c) => !c.rules.length).map((c) => c.line)));
    expect(obfuscated.filter((e) => benign.has(e.line)).map((e) => e.line)).toEqual([]);
  });

  test.each(obfuscated.map((e) => [e.line, e] as const))('%s', (_line, e) => {
    expect(matchedRules(engine, e)).toContain(e.rule);
    const v = engine.evaluate({ line: e.line, env: PRODUCTION_ENV });
    if (v.severity !== 'low') expect(v.verdict).not.toBe('allow');
    if (v.verdict === 'confirm') expect(v.confirm).toBeTruthy();
    expect(engine.evaluate({ line: e.line, env: {} }).verdict).toBe('allow');
  });
});
