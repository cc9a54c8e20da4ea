import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../daemon/config/schema.js';
import { renderConfigDoc } from '../tools/config-doc.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/configuration.md', () => {
  it('is generated from the current schema (regenerate: node dist/test/tools/config-doc.js > docs/configuration.md)', () => {
    expect(readFileSync(join(root, 'docs', 'configuration.md'), 'utf8')).toBe(renderConfigDoc());
  });

  it('documents every top-level section and its example validates', () => {
    const doc = renderConfigDoc();
    for (const key of Object.keys(ConfigSchema.shape)) expect(doc).toMatch(new RegExp(`\\| \`${key}[.\\[]`));
    const example = JSON.parse(doc.split('```json')[1]!.split('```')[0]!);
    expect(ConfigSchema.safeParse(example).success).toBe(true);
  });
});
