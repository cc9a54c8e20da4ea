import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../daemon/engine/rules/catalog/index.js';
import { renderRulesDoc } from '../tools/rules-doc.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/rules.md', () => {
  it('is generated from the current catalog (regenerate: node dist/test/tools/rules-doc.js > docs/rules.md)', () => {
    expect(readFileSync(join(root, 'docs', 'rules.md'), 'utf8')).toBe(renderRulesDoc());
  });

  it('lists every rule once, with its reason and alternative', () => {
    const doc = renderRulesDoc();
    for (const r of loadCatalog().rules) {
      expect(doc.split(`| \`${r.id}\` |`).length - 1, r.id).toBe(1);
    }
  });
});
