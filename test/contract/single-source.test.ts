import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as enums from '../../daemon/contract/enums.js';
import { CANONICAL_KEYS, EVENT_COLUMNS } from '../../daemon/contract/event-fields.js';
import { PROTOCOL_VERSION } from '../../daemon/contract/protocol.js';
import { DESTRUCTIVE_WORDS } from '../../daemon/engine/rules/engine-rules.js';

// The contract's values are written once, in daemon/contract/. This scans the sources above it
// (daemon/ and cli/) for a second copy: an enum list spelled out as an array or a union type,
// a reply prefix, an exit code as a number, the package version, the event field order.
// Tests are not scanned: they pin the wire format on purpose.

const root = join(import.meta.dirname, '..', '..');
const CONTRACT = join(root, 'daemon', 'contract');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return p === CONTRACT ? [] : sources(p);
    return d.name.endsWith('.ts') ? [p] : [];
  });
}

const FILES = [...sources(join(root, 'daemon')), ...sources(join(root, 'cli'))].map((p) => ({
  file: relative(root, p),
  text: readFileSync(p, 'utf8'),
}));

/** `file:line: text` of every match of `re` in the scanned sources. */
function copies(re: RegExp): string[] {
  const out: string[] = [];
  for (const { file, text } of FILES) {
    text.split('\n').forEach((line, i) => {
      if (re.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The values as consecutive quoted literals joined by `,` (an array) or `|` (a union type). */
const spelledOut = (values: readonly string[]): RegExp => new RegExp(values.map((v) => `['"\`]${esc(v)}['"\`]`).join('\\s*[,|]\\s*'));

const LISTS = Object.entries(enums as Record<string, unknown>).filter((e): e is [string, readonly string[]] => Array.isArray(e[1]));

const WORDS = new Set<string>(DESTRUCTIVE_WORDS);
/**
 * A copy of the engine's destructive-looking words: a regex alternation (`rm|rmdir|...`) with ten
 * or more of them, or quoted literals (`'rm', 'rmdir', ...`) naming half the list or more. (The
 * unknown-tool check's verbs, daemon/engine/fallback/, are a list of their own that shares a few.)
 */
function wordListCopy(text: string): boolean {
  const alternations = text.match(/[\w-]+(?:\|[\w-]+){9,}/g) ?? [];
  if (alternations.some((a) => a.split('|').filter((w) => WORDS.has(w.toLowerCase())).length >= 10)) return true;
  const quoted = new Set([...text.matchAll(/['"`]([\w-]+)['"`]/g)].map((m) => m[1]!.toLowerCase()).filter((w) => WORDS.has(w)));
  return quoted.size * 2 >= WORDS.size;
}

describe('no contract value is written outside daemon/contract/', () => {
  test('the scan sees the sources', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(LISTS.map(([name]) => name)).toEqual(expect.arrayContaining(['DIALECTS', 'ACTIONS', 'VIAS', 'SEVERITIES', 'DECISIONS', 'HOOK_SHELLS']));
  });

  test.each(LISTS)('%s is not spelled out again', (_name, values) => {
    expect(copies(spelledOut(values))).toEqual([]);
  });

  test('the reply texts are not written out (use REPLY_PREFIX, SHORT_OK, errorLine, recordedLine)', () => {
    expect(copies(new RegExp(esc(`{"v":${PROTOCOL_VERSION},`)))).toEqual([]);
    expect(copies(/\{ ?v: ?1[,}]/)).toEqual([]);
  });

  test('the shell hooks spell out no protocol text (the generated header brings it: cli/hook-constants.ts)', () => {
    const hooks = readdirSync(join(root, 'shell-hooks')).filter((f) => /\.(sh|bash|zsh)$/.test(f));
    expect(hooks.length).toBeGreaterThanOrEqual(3);
    const found = hooks.flatMap((f) =>
      readFileSync(join(root, 'shell-hooks', f), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /\{\\?"v\\?":\d|"ok":(?:true|false)|"unrecorded":|"knock":|"hello":/.test(line) && !/^\s*#/.test(line)
            ? [`shell-hooks/${f}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(found).toEqual([]);
  });

  test("the destructive-looking words are the engine's list alone (the hook's is generated: cli/hook-constants.ts)", () => {
    const source = join('daemon', 'engine', 'rules', 'engine-rules.ts');
    expect(FILES.filter((f) => f.file === source).map((f) => wordListCopy(f.text))).toEqual([true]);
    expect(FILES.filter((f) => f.file !== source && wordListCopy(f.text)).map((f) => f.file)).toEqual([]);
    const hooks = readdirSync(join(root, 'shell-hooks')).filter((f) => /\.(sh|bash|zsh)$/.test(f));
    expect(hooks.filter((f) => wordListCopy(readFileSync(join(root, 'shell-hooks', f), 'utf8')))).toEqual([]);
  });

  test("an audit event is built by contract/event-build.ts (the store's own checkpoint row aside)", () => {
    // The literal's tell: every field given, the rules' `matched: []` among them.
    const literals = copies(/^\s*matched: \[\],$/).filter((c) => !c.startsWith('daemon/store/sqlite.ts:'));
    expect(literals).toEqual([]);
  });

  test('exit codes are EXIT.<NAME>, never a number', () => {
    expect(copies(/exitCode\s*=\s*\d|EXIT_[A-Z]+\s*=\s*\d/)).toEqual([]);
  });

  test('the package version is read from package.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(copies(new RegExp(`['"\`]${esc(version)}['"\`]`))).toEqual([]);
  });

  test('the event field order is the table (no quoted list, no e.kind, e.ts, ... select list)', () => {
    expect(copies(spelledOut(CANONICAL_KEYS.slice(0, 4)))).toEqual([]);
    const [a, b, c] = EVENT_COLUMNS;
    expect(copies(new RegExp(`\\w+\\.${a},\\s*\\w+\\.${b},\\s*\\w+\\.${c}\\b`))).toEqual([]);
  });

  test("the chain's documented key order (for auditors) is the table's", () => {
    const text = readFileSync(join(root, 'daemon', 'store', 'chain.ts'), 'utf8');
    const doc = /exactly that order:\n\/\/\n((?:\/\/ {3}.*\n)+)/.exec(text)?.[1];
    expect(doc?.replace(/\/\/|\s/g, '').split(',')).toEqual(CANONICAL_KEYS);
  });
});

describe('the checks above catch a copy', () => {
  test('a copied word list is found, a mention of a few words is not', () => {
    const some = DESTRUCTIVE_WORDS.slice(0, 12);
    expect(wordListCopy(`__pg_local_re='(^|[[:space:]])(${some.join('|')})([[:space:]]|$)'`)).toBe(true);
    expect(wordListCopy(`const W = /(?:${[...some].reverse().join('|').toUpperCase()})\\b/i;`)).toBe(true);
    expect(wordListCopy(DESTRUCTIVE_WORDS.map((w) => `  '${w}',`).join('\n'))).toBe(true);
    expect(wordListCopy("if (name === 'rm' || name === 'mv' || name === 'dd') return /a|b|rm|mv|dd|c/;")).toBe(false);
  });

  test('a spelled-out list is found, a partial one is not', () => {
    expect(spelledOut(enums.DIALECTS).test("z.enum(['sql', 'redis', 'mongo'])")).toBe(true);
    expect(spelledOut(enums.ACTIONS).test("type A = 'allow' | 'confirm' | 'block';")).toBe(true);
    expect(spelledOut(enums.ACTIONS).test("['allow', 'block']")).toBe(false);
  });
});
