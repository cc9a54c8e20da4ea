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
    ['{"policy":{"hihg":"block"}}', 'config /x/config.json: policy: unknown field "hihg" (check the spelling against docs/configuration.md)'],
    ['{"production":{"variables":"ENV"}}', 'config /x/config.json: production.variables: expected array, got string'],
    ['{"production":{"variables":["1BAD"]}}', 'config /x/config.json: production.variables[0]: expected text matching'],
    ['{"allowlist":[{"pattern":"x"}]}', 'config /x/config.json: allowlist[0].reason: expected string, got nothing'],
    ['{"allowlist":[{"pattern":"x","reason":"r","expires":"next week"}]}', 'config /x/config.json: allowlist[0].expires: expected an ISO date-time (2026-12-31T18:00:00Z) or an ISO date (2026-12-31), got "next week"'],
    ['{"allowlist":[{"pattern":"(","reason":"r"}]}', 'config /x/config.json: allowlist[0].pattern: invalid regular expression "("'],
    ['{"rules":{"custom":[{"id":"x.y","domain":"x","severity":"high","reason":"r","alternative":"a","match":{"command":["x"],"args":"["}}]}}', 'config /x/config.json: rules.custom[0]: rule x.y: match.args: invalid regular expression'],
    ['{"rules":{"custom":[{"id":"x.y","domain":"x","severity":"high","reason":"r","alternative":"a","match":{}}]}}', 'config /x/config.json: rules.custom[0].match: a rule must match a command, a statement or an environment reference'],
    ['{"redact":{"patterns":["+"]}}', 'config /x/config.json: redact.patterns[0]: invalid regular expression'],
    ['[]', 'config /x/config.json: (top level): expected object, got array'],
  ])('%s', (text, prefix) => expect(error(text).startsWith(prefix)).toBe(true));

  it('an empty file is the defaults', () => expect(parseConfig('  \n', F)).toEqual(defaultConfig()));
});
