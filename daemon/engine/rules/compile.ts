import { compileFlags, type FlagTest } from './args.js';
import type { Rule } from './schema.js';

// A rule turned into what the matcher tests: regexes compiled once (case-insensitive), flag
// alternations pre-classified, sub-command alternations split. Done once per engine.

export interface CompiledRule {
  rule: Rule;
  /** Exact program names, and `prefix*` globs (`mkfs.*`). */
  names: string[];
  globs: string[];
  sub: string[][] | null;
  all: FlagTest[][];
  any: FlagTest[][];
  none: FlagTest[][];
  bundled: boolean;
  args: RegExp | null;
  notArgs: RegExp | null;
  statement: RegExp | null;
  envRef: RegExp | null;
  redirect: RegExp | null;
  dialects: Set<string> | null;
  targetFlag: FlagTest[] | null;
}

export class RuleError extends Error {
  constructor(origin: string, id: string, detail: string) {
    super(`rule ${id} in ${origin}: ${detail}`);
    this.name = 'RuleError';
  }
}

function regex(source: string | undefined, origin: string, rule: Rule, field: string): RegExp | null {
  if (source === undefined) return null;
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    throw new RuleError(origin, rule.id, `match.${field}: invalid regular expression: ${(err as Error).message}`);
  }
}

export function compileRule(rule: Rule, origin: string): CompiledRule {
  const m = rule.match;
  const commands = m.command ?? [];
  const t = rule.target;
  if (t?.from === 'flag' && !t.flag) throw new RuleError(origin, rule.id, 'target.from "flag" needs target.flag');
  if (t?.from === 'capture' && !m.args && !m.statement)
    throw new RuleError(origin, rule.id, 'target.from "capture" needs match.args or match.statement');
  if (t?.from === 'redirect' && !m.redirect) throw new RuleError(origin, rule.id, 'target.from "redirect" needs match.redirect');
  return {
    rule,
    names: commands.filter((c) => !c.endsWith('*')),
    globs: commands.filter((c) => c.endsWith('*')).map((c) => c.slice(0, -1)),
    sub: m.sub ? m.sub.map((alt) => alt.split('|').map((s) => s.trim().toLowerCase())) : null,
    all: (m.all ?? []).map(compileFlags),
    any: (m.any ?? []).map(compileFlags),
    none: (m.none ?? []).map(compileFlags),
    bundled: m.bundled ?? true,
    args: regex(m.args, origin, rule, 'args'),
    notArgs: regex(m.notArgs, origin, rule, 'notArgs'),
    statement: regex(m.statement, origin, rule, 'statement'),
    envRef: regex(m.envRef, origin, rule, 'envRef'),
    redirect: regex(m.redirect, origin, rule, 'redirect'),
    dialects: m.dialect ? new Set(m.dialect) : null,
    targetFlag: t?.from === 'flag' && t.flag ? compileFlags(t.flag) : null,
  };
}
