import type { ParsedLine, SimpleCommand, Statement } from '../../daemon/engine/parse/types.js';
import { ConfigSchema, type Config } from '../../daemon/config/schema.js';
import type { z } from 'zod';
import { RuleSchema, type Rule } from '../../daemon/engine/rules/schema.js';

// Hand-built parser output, so matcher and verdict semantics are tested without the parser.

export function cmd(text: string, extra: Partial<SimpleCommand> = {}): SimpleCommand {
  const words = text.split(/\s+/).filter(Boolean);
  const assignments: Record<string, string> = {};
  while (words[0] && /^[A-Za-z_]\w*=/.test(words[0])) {
    const w = words.shift()!;
    assignments[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  const argv = words;
  const name = (argv[0] ?? '').replace(/^\\/, '').split('/').pop()!;
  return { argv, name, assignments, via: [], dynamicName: argv[0]?.startsWith('$') ?? false, source: text, ...extra };
}

export function line(...commands: Array<SimpleCommand | string>): ParsedLine {
  return { commands: commands.map((c) => (typeof c === 'string' ? cmd(c) : c)), statements: [], problems: [] };
}

export function withStatements(parsed: ParsedLine, ...statements: Array<Omit<Statement, 'command'> & { command?: number }>): ParsedLine {
  return { ...parsed, statements: statements.map((s) => ({ command: 0, ...s })) };
}

export function config(raw: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse(raw);
}

type RuleInput = z.input<typeof RuleSchema>;

export function rule(id: string, match: RuleInput['match'], more: Partial<RuleInput> = {}): Rule {
  return RuleSchema.parse({
    id,
    domain: id.split('.')[0]!,
    severity: 'high',
    reason: `reason of ${id}`,
    alternative: `alternative to ${id}`,
    match,
    ...more,
  });
}

export const PROD = { PRODGUARD_ENV: 'production' };
