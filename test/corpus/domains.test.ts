import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { CATALOG_DIR, loadCatalog } from '../../daemon/engine/rules/catalog/index.js';
import type { Rule } from '../../daemon/engine/rules/schema.js';
import { expectedRules, loadCasesFiles, matchedRules, type CasesFile } from './cases.js';

// The per-domain corpus (issue 15): every case of every catalog/<domain>.cases.jsonl is one
// assertion, the exact set of rule ids the engine the daemon uses matches for the line in
// production. No rates: one regressed line fails its own test. Coverage: every catalog rule has
// a positive case and a negative one (a line of its domain naming its command that does not
// expect it), so a rule cannot be added, or widened until it swallows its neighbours, unnoticed.

const engine = createEngine(defaultConfig(), { hostname: 'corpus-host' });
const catalog = loadCatalog();
const files = loadCasesFiles();
const knownIds = new Set(engine.rules.map((r) => r.id));
const allCases = files.flatMap((f) => f.cases.map((c) => ({ ...c, domain: f.domain })));

/** A word of the line equal to one of the rule's program names (or starting with a `name*` glob). */
function namesCommand(rule: Rule, line: string): boolean {
  const words = line.split(/[\s;|&()'"`=/]+/);
  return (rule.match.command ?? []).some((n) => (n.endsWith('*') ? words.some((w) => w.startsWith(n.slice(0, -1))) : words.includes(n)));
}

function positives(rule: Rule): number {
  return allCases.filter((c) => c.rules.includes(rule.id)).length;
}

function negatives(rule: Rule, file: CasesFile | undefined): number {
  if (!file) return 0;
  // A rule matched in code under a synthetic name ("(unknown tool)", "(downloaded code)") names no
  // command a line could hold: every line of its file that does not expect it is a negative.
  const synthetic = rule.match.command?.every((name) => /^\(.*\)$/.test(name)) ?? false;
  const named = rule.match.command && !synthetic ? file.cases.filter((c) => namesCommand(rule, c.line)) : file.cases;
  return named.filter((c) => !c.rules.includes(rule.id)).length;
}

describe('per-domain corpus: files', () => {
  test('at least 3,000 labelled lines', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(3000);
  });

  test('every cases file has its catalog file', () => {
    const orphans = files.filter((f) => !existsSync(join(CATALOG_DIR, `${f.domain}.json`))).map((f) => f.file);
    expect(orphans).toEqual([]);
  });

  test('every case names known rule ids only', () => {
    const unknown = allCases.flatMap((c) => c.rules.filter((id) => !knownIds.has(id)).map((id) => `${c.domain}.cases.jsonl:${c.lineNo}: ${id}`));
    expect(unknown).toEqual([]);
  });

  test('no line is labelled twice with different expectations', () => {
    const seen = new Map<string, string>();
    const conflicts: string[] = [];
    for (const c of allCases) {
      const key = `${c.dialect ?? ''}\u0000${c.line}`;
      const want = expectedRules(c).join(',');
      const before = seen.get(key);
      if (before !== undefined && before !== want) conflicts.push(`${c.domain}.cases.jsonl:${c.lineNo}: ${c.line} [${want}] vs [${before}]`);
      seen.set(key, want);
    }
    expect(conflicts).toEqual([]);
  });
});

describe('per-domain corpus: every catalog rule has a positive and a negative case', () => {
  const byDomain = new Map(files.map((f) => [f.domain, f]));
  test.each(catalog.rules.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    expect(positives(rule), `${rule.id}: no case in any cases file expects it`).toBeGreaterThan(0);
    expect(
      negatives(rule, byDomain.get(rule.domain)),
      `${rule.id}: no line of ${rule.domain}.cases.jsonl names its command without expecting it`,
    ).toBeGreaterThan(0);
  });
});

for (const file of files) {
  describe(`${file.domain}.cases.jsonl`, () => {
    test.each(file.cases.map((c) => [`${c.lineNo}: ${c.dialect ? `[${c.dialect}] ` : ''}${c.line}`, c] as const))('%s', (_name, c) => {
      expect(matchedRules(engine, c)).toEqual(expectedRules(c));
    });
  });
}
