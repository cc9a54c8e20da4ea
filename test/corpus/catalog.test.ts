import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CATALOG_DIR, loadCatalog } from '../../daemon/engine/rules/catalog/index.js';
import { RuleFileSchema, type Rule } from '../../daemon/engine/rules/schema.js';

// The catalog is data: these checks keep every file loadable, every regex compilable and the
// conventions (ids, domains, targets, critical only for catastrophes) honest.

const DOMAINS = [
  'filesystem',
  'git',
  'sql',
  'nosql',
  'kubernetes',
  'terraform',
  'cloud',
  'containers',
  'system',
  'secrets',
  'paas',
  'packages',
  // issue 15
  'backup',
  'storage',
  'cicd',
  'messaging',
  'monitoring',
  'search',
  'flags',
  'payments',
  'gateway',
  'virtualization',
  'identity',
  'dns',
];

const files = readdirSync(CATALOG_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const parsed = files.map((f) => ({ file: f, data: RuleFileSchema.parse(JSON.parse(readFileSync(join(CATALOG_DIR, f), 'utf8'))) }));
const rules: Rule[] = parsed.flatMap((p) => p.data.rules);

describe('rule catalog', () => {
  test('one file per domain, named after it, covering every domain of the issue', () => {
    for (const p of parsed) expect(p.file).toBe(`${p.data.domain}.json`);
    expect(parsed.map((p) => p.data.domain)).toEqual(expect.arrayContaining(DOMAINS));
  });

  test('at least 700 rules, ids unique and prefixed by their domain', () => {
    expect(rules.length).toBeGreaterThanOrEqual(700);
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of parsed) {
      for (const r of p.data.rules) {
        expect(r.domain, r.id).toBe(p.data.domain);
        expect(r.id.startsWith(`${p.data.domain}.`), r.id).toBe(true);
      }
    }
  });

  test('every regex compiles (case-insensitive, as the matcher compiles them)', () => {
    for (const r of rules) {
      for (const field of ['args', 'notArgs', 'statement', 'envRef', 'redirect'] as const) {
        const src = r.match[field];
        if (src !== undefined) expect(() => new RegExp(src, 'i'), `${r.id} match.${field}`).not.toThrow();
      }
    }
  });

  test('targets can be extracted: capture needs a group, flag needs a flag, positional needs sub words', () => {
    for (const r of rules) {
      const t = r.target;
      if (!t) continue;
      if (t.from === 'capture') {
        const src = r.match.statement ?? r.match.args;
        expect(src, `${r.id}: capture without a regex`).toBeDefined();
        // A regex with at least one capturing group: `(` not followed by `?`, and not escaped.
        expect(/(?<!\\)\((?!\?)/.test(src!), `${r.id}: capture without a group`).toBe(true);
      }
      if (t.from === 'flag') expect(t.flag, r.id).toBeTruthy();
    }
  });

  test('statement rules name a dialect; sub-command words are plain words', () => {
    for (const r of rules) {
      if (r.match.statement) expect(r.match.dialect?.length, r.id).toBeGreaterThan(0);
      for (const alt of r.match.sub ?? []) expect(alt, r.id).toMatch(/^(?:\*|[a-z0-9:._-]+)(?:\|[a-z0-9:._-]+)*$/i);
    }
  });

  test('critical (block) is reserved for catastrophes; every domain has confirmable rules', () => {
    const critical = rules.filter((r) => r.severity === 'critical').map((r) => r.id);
    // Today: the root filesystem, whole-device wipes (dd, mkfs, wipefs, partition tables, luksFormat,
    // secure erase, discard), the fork bomb. Everything else stays confirmable.
    expect(critical.length).toBeLessThanOrEqual(20);
    for (const d of DOMAINS)
      expect(
        rules.some((r) => r.domain === d && (r.severity === 'medium' || r.severity === 'high')),
        d,
      ).toBe(true);
    // DROP DATABASE stays confirmable (the phrase is the database name), never a silent block.
    expect(rules.find((r) => r.id === 'sql.drop-database')?.severity).toBe('high');
  });

  test('the engine loader accepts the catalog as is', () => {
    const catalog = loadCatalog();
    expect(catalog.rules.length).toBe(rules.length);
    expect(catalog.domains.map((d) => d.domain).sort()).toEqual(parsed.map((p) => p.data.domain).sort());
  });
});
