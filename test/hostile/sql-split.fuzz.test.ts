import fc from 'fast-check';
import { describe, it } from 'vitest';
import { isStatementComplete, splitStatements, type Dialect, type SqlFlavor } from '../../daemon/engine/sql/split.js';
import { FUZZ_TIMEOUT_MS, boundedHeap } from './budget.js';

// splitStatements has no error type: every input must give statements (non-empty, trimmed) and
// never throw. test/engine/hostile-input.test.ts runs 20,000 shell-ish inputs across all dialects;
// here each dialect (and each SQL flavour) gets 100,000 inputs built from its own syntax.

const SQL = [
  "'",
  '"',
  '`',
  '$$',
  '$tag$',
  ';',
  '--',
  '\n',
  '/*',
  '*/',
  '#',
  '\\',
  '\\g',
  '\\G',
  'DELIMITER ',
  '//',
  'BEGIN ',
  'END',
  'CREATE TRIGGER t ',
  'CASE ',
  'DROP TABLE t',
  "E'",
  "''",
  ' ',
  '(',
  ')',
  '\\i f',
  '.shell ',
  '.read x',
];
const REDIS = ['"', "'", '\\', ' ', '\t', '\n', '\r\n', 'FLUSHALL', 'SET k v', 'EVAL "', '\\x', '"\\"'];
const JS = [
  '"',
  "'",
  '`',
  '${',
  '}',
  '{',
  '(',
  ')',
  '[',
  ']',
  ';',
  '\n',
  '//',
  '/*',
  '*/',
  '/re/',
  '\\',
  'db.dropDatabase()',
  'db.c.deleteMany({})',
  ',',
  '=>',
  'function(){',
  '+',
];

const textOf = (frags: string[]) =>
  fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(fc.oneof(fc.constantFrom(...frags), fc.string({ maxLength: 3 })), { maxLength: 20 }).map((a) => a.join('')),
  );

function holds(text: string, dialect: Dialect, flavor: SqlFlavor): boolean {
  const out = splitStatements(text, dialect, flavor);
  isStatementComplete(text, dialect, flavor);
  return Array.isArray(out) && out.every((s) => typeof s === 'string' && s.length > 0 && s === s.trim());
}

const cases: Array<[Dialect, SqlFlavor, string[]]> = [
  ['sql', 'postgres', SQL],
  ['sql', 'mysql', SQL],
  ['sql', 'sqlite', SQL],
  ['sql', 'generic', SQL],
  ['redis', 'generic', REDIS],
  ['mongo', 'generic', JS],
];

describe('statement splitter: 100,000 inputs per dialect', () => {
  it.each(cases)(
    '%s (%s): never throws, statements non-empty and trimmed, bounded heap',
    (dialect, flavor, frags) => {
      boundedHeap(32, (numRuns) =>
        fc.assert(
          fc.property(textOf(frags), (t) => holds(t, dialect, flavor)),
          { numRuns },
        ),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
