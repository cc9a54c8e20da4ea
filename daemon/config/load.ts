import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { EXIT } from '../contract/exit-codes.js';
import { ConfigSchema, type Config } from './schema.js';
import type { Paths } from '../paths.js';
import { compileRule } from '../engine/rules/compile.js';
import { blankComments, describeJsonError } from './jsonc.js';
import { closest, knownKeys } from './suggest.js';
import { knownRuleIds, unknownRuleMessage } from '../engine/rules/suggest.js';

// Reads and validates the one config file. Every failure becomes a ConfigError whose message is
// ONE line naming the file, the field and what was expected: users see it as is, never a stack.

export class ConfigError extends Error {
  readonly exitCode = EXIT.CONFIG;
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
  ) {
    // Quoted input (a JSON.parse snippet, a regex source) may hold line breaks: escape them.
    super(`config ${file}: ${field ? `${field}: ` : ''}${expected}`.replace(/\r\n?|[\n\u2028\u2029]/g, '\\n'));
    this.name = 'ConfigError';
  }
}

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

/** Missing file -> defaults. Unreadable, invalid JSON or invalid schema -> ConfigError. */
export function loadConfig(paths: Pick<Paths, 'configFile'>): Config {
  let text: string;
  try {
    text = readFileSync(paths.configFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw new ConfigError(paths.configFile, '', `cannot read: ${(err as Error).message}`);
  }
  return parseConfig(text, paths.configFile);
}

export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  const json = blankComments(text);
  try {
    raw = json.trim() === '' ? {} : JSON.parse(json);
  } catch (err) {
    throw new ConfigError(file, '', `${describeJsonError(json, err as Error)}; the config is one JSON object`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Every problem at once (a custom rule missing three fields is one round trip, not three).
    const [first, ...more] = parsed.error.issues.map((issue) => ({
      field: fieldPath(issue.path),
      expected: describeIssue(issue, valueAt(raw, issue.path)),
    }));
    const rest = more.map((m) => `; ${m.field}: ${m.expected}`).join('');
    throw new ConfigError(file, first!.field, `${first!.expected}${rest}`);
  }
  checkRegexes(parsed.data, file);
  return parsed.data;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const FORMATS: Record<string, string> = {
  datetime: 'an ISO date-time (2026-12-31T18:00:00Z)',
  date: 'an ISO date (2026-12-31)',
  url: 'a URL (https://...)',
};

function describeIssue(issue: z.core.$ZodIssue, got: unknown): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}, got ${show(got)}`;
    case 'invalid_type':
      return `expected ${issue.expected}, got ${got === undefined ? 'nothing' : Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got}`;
    case 'unrecognized_keys': {
      const known = knownKeys(issue.path);
      const guesses = issue.keys.map((k) => closest(k, known));
      const hints = guesses
        .map((c, i) => (c ? `${issue.keys.length > 1 ? `${JSON.stringify(issue.keys[i])}: ` : ''}did you mean ${JSON.stringify(c)}?` : null))
        .filter(Boolean);
      const hint = hints.length ? ` (${hints.join(', ')})` : ' (check the spelling against docs/configuration.md)';
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${hint}`;
    }
    case 'too_small':
      return `expected ${issue.origin === 'string' ? 'a non-empty string' : issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : `a value >= ${String(issue.minimum)}`}, got ${show(got)}`;
    case 'too_big':
      return `expected a value <= ${String(issue.maximum)}, got ${show(got)}`;
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? `text matching ${String((issue as { pattern?: string }).pattern ?? 'the required pattern')}` : (FORMATS[issue.format] ?? `a valid ${issue.format}`)}, got ${show(got)}`;
    case 'invalid_union': {
      // Each alternative's own expectation (`expires`: a date or a date-time), else zod's note.
      const alternatives = issue.errors.map((branch) =>
        branch[0] && branch[0].path.length === 0
          ? describeIssue(branch[0], got)
              .replace(/, got .*$/, '')
              .replace(/^expected /, '')
          : null,
      );
      if (alternatives.length && alternatives.every(Boolean)) return `expected ${[...new Set(alternatives)].join(' or ')}, got ${show(got)}`;
      const m = /Expected (.*)$/.exec(issue.message);
      return `expected ${m ? `one of ${m[1]!.replace(/'/g, '').replace(/ \| /g, '|')}` : 'a valid value'}, got ${show(got)}`;
    }
    default:
      return `${issue.message}, got ${show(got)}`;
  }
}

/** Regexes are strings in the schema; compile each once here so a bad one is a config error. */
function checkRegexes(config: Config, file: string): void {
  const check = (field: string, source: string | null | undefined): void => {
    if (source == null) return;
    try {
      new RegExp(source, 'i');
    } catch (err) {
      throw new ConfigError(
        file,
        field,
        `invalid regular expression ${show(source)}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
      );
    }
  };
  const p = config.production;
  check('production.awsProfile', p.awsProfile);
  check('production.kubeContext', p.kubeContext);
  check('production.terraformWorkspace', p.terraformWorkspace);
  check('production.hostname', p.hostname);
  check('redact.variableNames', config.redact.variableNames);
  config.redact.patterns.forEach((s, i) => check(`redact.patterns[${i}]`, s));
  config.allowlist.forEach((e, i) => {
    if (!e.exact) check(`allowlist[${i}].pattern`, e.pattern);
  });
  config.rules.custom.forEach((r, i) => {
    try {
      compileRule(r, `rules.custom[${i}]`);
    } catch (err) {
      throw new ConfigError(file, `rules.custom[${i}]`, (err as Error).message.replace(/^rule (\S+) in \S+: /, 'rule $1: '));
    }
  });
  // A disabled id that names no rule disables nothing: a typo must not leave a rule on silently.
  if (config.rules.disabled.length) {
    const known = knownRuleIds(config.rules.custom);
    config.rules.disabled.forEach((id, i) => {
      if (!known.has(id)) throw new ConfigError(file, `rules.disabled[${i}]`, unknownRuleMessage(id, known));
    });
  }
}
