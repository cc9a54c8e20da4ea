import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as enums from '../../daemon/contract/enums.js';
import { CANONICAL_KEYS, EVENT_COLUMNS } from '../../daemon/contract/event-fields.js';
import { PROTOCOL_VERSION } from '../../daemon/contract/protocol.js';

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
  test('a spelled-out list is found, a partial one is not', () => {
    expect(spelledOut(enums.DIALECTS).test("z.enum(['sql', 'redis', 'mongo'])")).toBe(true);
    expect(spelledOut(enums.ACTIONS).test("type A = 'allow' | 'confirm' | 'block';")).toBe(true);
    expect(spelledOut(enums.ACTIONS).test("['allow', 'block']")).toBe(false);
  });
});
