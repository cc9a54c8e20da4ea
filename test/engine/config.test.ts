import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, parseConfig } from '../../daemon/config/load.js';

// The config loader: defaults for a missing file, one-line errors naming file, field and expectation.

const F = '/x/config.json';
const error = (text: string): string => {
  try {
    parseConfig(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(7);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('a missing file gives the defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-cfg-'));
    expect(loadConfig({ configFile: join(dir, 'config.json') })).toEqual(defaultConfig());
    expect(defaultConfig().policy).toMatchObject({ low: 'allow', medium: 'confirm', high: 'confirm', critical: 'block' });
  });

  it('reads and validates the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ policy: { high: 'block' }, rules: { disabled: ['filesystem.rm-recursive'] } }));
    const c = loadConfig({ configFile: file });
    expect(c.policy.high).toBe('block');
    expect(c.rules.disabled).toEqual(['filesystem.rm-recursive']);
    writeFileSync(file, '{ "policy": ');
    expect(() => loadConfig({ configFile: file })).toThrow(new RegExp(`^config ${file}: invalid JSON`));
  });
});

describe('one-line errors', () => {
  it.each([
    ['{"policy":{"high":"maybe"}}', 'config /x/config.json: policy.high: expected one of allow|confirm|block, got "maybe"'],
    ['{"policy":{"hihg":"block"}}', 'config /x/config.json: policy: unknown field "hihg" (did you mean "high"?)'],
    ['{"policy":{"zzzzzz":"block"}}', 'config /x/config.json: policy: unknown field "zzzzzz" (check the spelling against docs/configuration.md)'],
    [
      '{"syslog":{"targets":[{"type":"unix","pth":"/x","fromat":"local"}]}}',
      'config /x/config.json: syslog.targets[0]: unknown fields "pth", "fromat" ("pth": did you mean "path"?, "fromat": did you mean "format"?)',
    ],
    [
      '{\n  "daemon": {\n    "hookTimeoutMs": 5,\n  }\n}',
      'config /x/config.json: invalid JSON at line 4, column 3: Expected double-quoted property name',
    ],
    ['{\n  "daemon": {\n', 'config /x/config.json: invalid JSON at line 3, column 1:'],
    [
      '{"rules":{"custom":[{"id":"x.y"}]}}',
      'config /x/config.json: rules.custom[0].domain: expected string, got nothing; rules.custom[0].severity: expected one of low|medium|high|critical, got nothing; rules.custom[0].reason: expected string, got nothing',
    ],
    ['{"production":{"variables":"ENV"}}', 'config /x/config.json: production.variables: expected array, got string'],
    ['{"production":{"variables":["1BAD"]}}', 'config /x/config.json: production.variables[0]: expected text matching'],
    ['{"allowlist":[{"pattern":"x"}]}', 'config /x/config.json: allowlist[0].reason: expected string, got nothing'],
    [
      '{"allowlist":[{"pattern":"x","reason":"r","expires":"next week"}]}',
      'config /x/config.json: allowlist[0].expires: expected an ISO date-time (2026-12-31T18:00:00Z) or an ISO date (2026-12-31), got "next week"',
    ],
    ['{"allowlist":[{"pattern":"(","reason":"r"}]}', 'config /x/config.json: allowlist[0].pattern: invalid regular expression "("'],
    [
      '{"rules":{"custom":[{"id":"x.y","domain":"x","severity":"high","reason":"r","alternative":"a","match":{"command":["x"],"args":"["}}]}}',
      'config /x/config.json: rules.custom[0]: rule x.y: match.args: invalid regular expression',
    ],
    [
      '{"rules":{"custom":[{"id":"x.y","domain":"x","severity":"high","reason":"r","alternative":"a","match":{}}]}}',
      'config /x/config.json: rules.custom[0].match: a rule must match a command, a statement or an environment reference',
    ],
    ['{"redact":{"patterns":["+"]}}', 'config /x/config.json: redact.patterns[0]: invalid regular expression'],
    ['[]', 'config /x/config.json: (top level): expected object, got array'],
  ])('%s', (text, prefix) => expect(error(text).startsWith(prefix)).toBe(true));

  it('an empty file is the defaults', () => expect(parseConfig('  \n', F)).toEqual(defaultConfig()));
  it('comments are allowed (the file config init writes is annotated), even next to "//" in strings', () => {
    const text = '{\n  // how long\n  "daemon": { /* ms */ "hookTimeoutMs": 1500 },\n  "production": { "hostname": "^prod//x" }\n}\n';
    const c = parseConfig(text, F);
    expect(c.daemon.hookTimeoutMs).toBe(1500);
    expect(c.production.hostname).toBe('^prod//x');
  });
});

describe('where a JSON error is', () => {
  it.each<[string, number, number]>([
    ['{"a": }', 1, 7],
    ['{\n  "a": 1,\n}', 3, 1],
    ['{"a":1} x', 1, 9],
    ['{"a": tru}', 1, 10],
    ['{"a": "x\ny"}', 1, 9],
    ['[1, 2', 1, 6],
  ])('%j: line %i, column %i', (text, line, column) => {
    expect(() => parseConfig(text, F)).toThrow(new RegExp(`invalid JSON at line ${line}, column ${column}: `));
  });
});
