import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parseLine, type ParsedLine } from '../../daemon/engine/parse/index.js';
import { isStatementComplete, splitStatements } from '../../daemon/engine/sql/split.js';

// Bad input never throws and always returns what could be parsed. No timed assertions: time is
// bounded structurally (depth cap, re-scan budget, command cap) and these tests show the caps hold.

const MB = 1 << 20;

function wellFormed(r: ParsedLine): void {
  expect(Array.isArray(r.commands)).toBe(true);
  expect(Array.isArray(r.statements)).toBe(true);
  expect(Array.isArray(r.problems)).toBe(true);
  for (const c of r.commands) {
    expect(c.argv.length).toBeGreaterThan(0);
    expect(typeof c.name).toBe('string');
  }
  for (const s of r.statements) expect(s.command).toBeLessThan(r.commands.length);
}

const names = (r: ParsedLine) => r.commands.map((c) => c.name);

describe('empty and blank lines', () => {
  it.each(['', ' ', '\n\n', '\t ;', '# only a comment', ';;', '&&'])('%j', (line) => {
    const r = parseLine(line);
    wellFormed(r);
    expect(r.commands).toEqual([]);
  });
});

describe('1 MB lines', () => {
  it('one huge word', () => {
    const r = parseLine('a'.repeat(MB));
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]!.name).toHaveLength(MB);
  });
  it('a destructive command after 1 MB of arguments is still seen', () => {
    const r = parseLine('echo ' + 'x '.repeat(MB / 2) + '; rm -rf /x');
    expect(names(r)).toEqual(['echo', 'rm']);
  });
  it.each([
    ['quotes', "'".repeat(MB + 1)],
    ['double quotes', '"'.repeat(MB + 1)],
    ['backslashes', '\\'.repeat(MB)],
    ['backticks', '`'.repeat(MB)],
    ['dollars', '$'.repeat(MB)],
    ['${', '${'.repeat(MB / 2)],
    ['$((', '$(('.repeat(MB / 3)],
    ['((', '('.repeat(MB)],
    ['))', ')'.repeat(MB)],
    ['<<', '<<a '.repeat(MB / 4) + '\n' + 'b\n'.repeat(1000)],
    ['semicolons', ';'.repeat(MB)],
    ['case', 'case x in '.repeat(MB / 10)],
    ['arrays', 'a=('.repeat(MB / 3)],
    ['ANSI-C', "$'\\x".repeat(MB / 4)],
    ['[[', '[[ '.repeat(MB / 3)],
    ['brace words', '{a,b}'.repeat(MB / 5)],
    ['open braces', ('{'.repeat(1000) + ',a} ').repeat(1000)],
    ['many brace words', ('{a,b}'.repeat(200) + ' ').repeat(1000)],
    ['distinct assignments', Array.from({ length: MB / 10 }, (_, i) => `A${i}=$x`).join(' ') + ' rm'],
    ['export of distinct names', 'export ' + Array.from({ length: MB / 10 }, (_, i) => `A${i}=1`).join(' ')],
    ['wrapped assignments', 'sudo env '.repeat(30) + Array.from({ length: MB / 10 }, (_, i) => `A${i}=1`).join(' ') + ' rm'],
    ['redirections', 'cat ' + '>a '.repeat(MB / 3)],
    ['known variable names', 'R=rm; ' + '$R '.repeat(MB / 3)],
    ['printf format reuse', "printf '" + 'x'.repeat(MB / 2) + "%s' " + 'a '.repeat(5000) + '| psql'],
    ['array words', 'a=()'.repeat(MB / 4)],
  ])('%s', (_, line) => {
    wellFormed(parseLine(line));
  });
  it('a line of a million commands stops at the command cap, with a problem', () => {
    const r = parseLine('a|'.repeat(MB / 2));
    expect(r.commands.length).toBeLessThanOrEqual(10_000);
    expect(r.problems.join()).toMatch(/more than 10000 commands/);
  });
  it('re-parse chains are bounded by the work budget', () => {
    const r = parseLine('eval '.repeat(MB / 5) + 'rm');
    wellFormed(r);
    expect(r.problems.join()).toMatch(/work limit|nesting depth/);
    const f = parseLine('find -exec '.repeat(MB / 10));
    wellFormed(f);
    const s = parseLine('sudo '.repeat(MB / 5) + 'rm -rf /x');
    expect(s.commands).toHaveLength(1);
    expect(s.problems.join()).toMatch(/more than 64 wrappers/);
  });
});

describe('unbalanced quotes', () => {
  it.each([
    ['rm -rf "/x', ['rm', '-rf', '/x']],
    ["rm -rf '/x", ['rm', '-rf', '/x']],
    ["rm -rf $'/x", ['rm', '-rf', '/x']],
    ['rm -rf `/x', ['rm', '-rf', '`/x']],
  ])('%s still yields rm', (line, argv) => {
    const r = parseLine(line);
    expect(r.problems).toContain('unbalanced quote');
    expect(r.commands.at(-1)!.argv).toEqual(argv);
  });
  it('commands before the open quote are kept', () => {
    const r = parseLine('ls && sudo rm -rf "/x; echo hi');
    expect(names(r)).toEqual(['ls', 'rm']);
    expect(r.commands[1]!.argv).toEqual(['rm', '-rf', '/x; echo hi']);
    expect(r.problems).toContain('unbalanced quote');
  });
  it('an unterminated $( still yields its commands', () => {
    const r = parseLine('echo $(rm -rf /x');
    expect(names(r)).toEqual(['rm', 'echo']);
    expect(r.problems).toContain('unterminated command substitution');
  });
  it('an unterminated here-document', () => {
    const r = parseLine('psql <<EOF\nDROP TABLE t;');
    expect(r.problems).toContain('unterminated here-document');
    expect(r.statements.map((s) => s.text)).toEqual(['DROP TABLE t']);
  });
});

describe('deep nesting', () => {
  const depthProblem = `nesting depth limit (${MAX_DEPTH}) reached: deeper text was not parsed`;
  it('$( 1,000 deep: capped, with a problem, no stack overflow', () => {
    const r = parseLine('$('.repeat(1000) + 'rm -rf /x' + ')'.repeat(1000));
    wellFormed(r);
    expect(r.problems).toContain(depthProblem);
    expect(r.commands.length).toBeLessThanOrEqual(MAX_DEPTH + 1);
  });
  it('$( 1,000 deep and unclosed', () => {
    const r = parseLine('$('.repeat(1000));
    expect(r.problems).toEqual(expect.arrayContaining([depthProblem, 'unterminated command substitution']));
  });
  it('commands within the cap are all seen', () => {
    const r = parseLine('echo ' + '$(echo '.repeat(10) + '$(rm -rf /x)' + ')'.repeat(10));
    expect(r.commands[0]!.name).toBe('rm');
    expect(r.commands[0]!.via).toHaveLength(11);
    expect(r.problems).toEqual([]);
  });
  it('subshells and groups 100,000 deep do not recurse at all', () => {
    expect(names(parseLine('( '.repeat(100_000) + 'rm -rf /x' + ' )'.repeat(100_000)))).toEqual(['rm']);
    // `((...))` closed by `))` is arithmetic, as in bash: nothing runs
    expect(names(parseLine('('.repeat(100_000) + 'rm -rf /x' + ')'.repeat(100_000)))).toEqual([]);
    expect(names(parseLine('{ '.repeat(100_000) + 'rm -rf /x;' + ' }'.repeat(100_000)))).toEqual(['rm']);
  });
  it('${ 100,000 deep, nested backticks, nested bash -c', () => {
    wellFormed(parseLine('${'.repeat(100_000) + 'x' + '}'.repeat(100_000)));
    let bt = 'rm -rf /x';
    for (let i = 0; i < 12; i++) bt = 'echo `' + bt.replace(/[\\`]/g, (m) => '\\' + m) + '`';
    expect(names(parseLine(bt))[0]).toBe('rm');
    let sh = 'rm -rf /x';
    for (let i = 0; i < 100; i++) sh = `bash -c '${sh.replace(/'/g, `'\\''`)}'`.slice(0, 200_000);
    wellFormed(parseLine(sh));
  });
});

describe('binary bytes, NUL and invalid UTF-8', () => {
  it('every byte value', () => {
    const all = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)).toString('latin1');
    wellFormed(parseLine(all));
    wellFormed(parseLine(all + '\nrm -rf /x'));
  });
  it('NUL bytes are word characters, not separators', () => {
    const r = parseLine('rm\0 -rf /x\0');
    expect(r.commands[0]!.argv).toEqual(['rm\0', '-rf', '/x\0']);
    expect(names(parseLine('ls\0; rm -rf /x'))).toEqual(['ls\0', 'rm']);
  });
  it('invalid UTF-8 decoded to U+FFFD', () => {
    const line = Buffer.from([0x72, 0x6d, 0x20, 0x2d, 0x72, 0x66, 0x20, 0x2f, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]).toString('utf8');
    expect(line).toContain('\ufffd');
    const r = parseLine(line);
    expect(r.commands[0]!.name).toBe('rm');
    expect(r.commands[0]!.argv[2]!.startsWith('/\ufffd')).toBe(true);
  });
  it('lone surrogates and ANSI-C escapes beyond Unicode', () => {
    wellFormed(parseLine('echo \ud800 \udfff'));
    expect(parseLine("echo $'\\U7fffffff' $'\\x'").commands[0]!.argv).toEqual(['echo', '\ufffd', '\\x']);
  });
  it('a non-string from a careless caller', () => {
    wellFormed(parseLine(undefined as unknown as string));
    wellFormed(parseLine(42 as unknown as string));
  });
});

// Fragments that exercise every branch of the grammar; the property mixes them with noise.
const FRAGMENTS = [
  ' ',
  '\t',
  '\n',
  ';',
  ';;',
  ';&',
  '&',
  '&&',
  '|',
  '||',
  '|&',
  '(',
  ')',
  '((',
  '))',
  '{ ',
  ' }',
  '[[ ',
  ' ]]',
  "'",
  '"',
  '`',
  '\\',
  '$',
  '$(',
  '${',
  '$((',
  "$'",
  '$"',
  '<(',
  '>(',
  '<<',
  '<<-',
  '<<<',
  '<<EOF\n',
  '\nEOF\n',
  '>',
  '>>',
  '2>&1',
  '&>',
  '#',
  '=',
  'X=1 ',
  'a=(',
  '*',
  '?',
  '[',
  '{a,b}',
  '$IFS',
  '${IFS}',
  'if ',
  'then ',
  'else ',
  'fi',
  'for ',
  ' in ',
  'do ',
  'done',
  'while ',
  'case ',
  'esac',
  'function ',
  'f() ',
  'rm ',
  '-rf ',
  '/x',
  'sudo ',
  'env ',
  'bash -c ',
  'sh -c ',
  'eval ',
  'ssh h ',
  'xargs ',
  'find . -exec ',
  ' {} \\;',
  'psql -c ',
  'mysql -e ',
  'sqlite3 db ',
  'redis-cli ',
  'mongosh --eval ',
  'DROP TABLE t',
  '--',
  '/*',
  '*/',
  '$$',
  'kubectl exec p -- ',
  'docker exec c ',
  'timeout 5 ',
  'nice -n 1 ',
  'echo ',
  'printf ',
];

const lineArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((a) => a.join('')),
  fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 16 }).map((a) => a.join('')),
);

/** Via labels whose commands come from re-parsed text (so their source is not a slice of the line). */
function reparsed(via: string): boolean {
  return (
    via === '`...`' ||
    via.endsWith(' -c') ||
    via === 'eval' ||
    via === 'watch' ||
    via === 'env -S' ||
    via.startsWith('ssh ') ||
    ['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish'].includes(via)
  );
}

describe('splitter on 1 MB inputs', () => {
  it.each([
    ['long mysql DELIMITER', 'DELIMITER ' + 'a'.repeat(MB / 2) + '\n' + 'a'.repeat(MB / 2), 'mysql'],
    ['unterminated dollar quotes', '$a$ '.repeat(MB / 4), 'postgres'],
    ['nested comments', '/*'.repeat(MB / 2), 'postgres'],
    ['parentheses', '('.repeat(MB) + ';', 'postgres'],
    ['semicolons', ';'.repeat(MB), 'sqlite'],
    ['quotes', "'".repeat(MB + 1), 'mysql'],
  ] as const)('%s', (_, text, flavor) => {
    expect(Array.isArray(splitStatements(text, 'sql', flavor))).toBe(true);
    expect(typeof isStatementComplete(text, 'sql', flavor)).toBe('boolean');
  });
  it('mongo and redis', () => {
    expect(Array.isArray(splitStatements('{'.repeat(MB) + '\n'.repeat(1000), 'mongo'))).toBe(true);
    expect(Array.isArray(splitStatements('a\n \n'.repeat(MB / 4) + '.x', 'mongo'))).toBe(true);
    expect(splitStatements('"'.repeat(MB + 1), 'redis')).toHaveLength(1);
  });
});

describe('property: 100,000 generated lines', () => {
  it('parseLine never throws, returns arrays, and sources are slices of the line', () => {
    fc.assert(
      fc.property(lineArb, (line) => {
        const r = parseLine(line);
        if (!Array.isArray(r.commands) || !Array.isArray(r.statements) || !Array.isArray(r.problems)) return false;
        for (const c of r.commands) {
          if (c.argv.length === 0 || typeof c.name !== 'string') return false;
          if (!c.via.some(reparsed) && !line.includes(c.source)) return false;
        }
        return r.statements.every((s) => s.command < r.commands.length && typeof s.text === 'string');
      }),
      { numRuns: 100_000 },
    );
  });

  it('the splitter never throws on the same inputs', () => {
    fc.assert(
      fc.property(
        lineArb,
        fc.constantFrom('sql', 'redis', 'mongo') as fc.Arbitrary<'sql' | 'redis' | 'mongo'>,
        fc.constantFrom('postgres', 'mysql', 'sqlite', 'generic') as fc.Arbitrary<'postgres' | 'mysql' | 'sqlite' | 'generic'>,
        (text, dialect, flavor) => {
          const out = splitStatements(text, dialect, flavor);
          isStatementComplete(text, dialect, flavor);
          return Array.isArray(out) && out.every((s) => s.length > 0 && s === s.trim());
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('sources of re-parsed commands', () => {
  it.each([`bash -c 'rm -rf /x'`, `ssh web1 "sudo rm -rf /x"`, `eval "rm -rf /x"`, 'echo `rm -rf /x`'])(
    '%s: the inner source is a slice of the quoted text',
    (line) => {
      const rm = parseLine(line).commands.find((c) => c.name === 'rm')!;
      expect(line).toContain(rm.source);
    },
  );
});
