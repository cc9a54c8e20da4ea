import type { Config } from '../config/schema.js';
import { parseLine } from './parse/index.js';
import { reach, type ShellDefs } from './reach/index.js';
import type { ParsedLine, Statement } from './parse/types.js';
import { flavorOf, splitStatements } from './sql/split.js';
import type { Rule } from './rules/schema.js';
import { createEvaluator, type Analysis, type EvaluatorOptions } from './verdict/evaluate.js';
import type { Verdict } from '../contract/verdict.js';

// The engine: one command line (or one statement typed inside a database client) and the
// environment it runs in -> a verdict. createEngine does all config-dependent work once; the
// daemon keeps one engine per loaded config.

export { detectProduction } from './production/index.js';
export { redact } from './redact/index.js';
export { DryRunFirst } from './verdict/dry-run-first.js';
export type { Verdict, MatchResult, Production } from '../contract/verdict.js';
export type { Analysis, HitReport } from './verdict/evaluate.js';
export type { ShellDefs } from './reach/index.js';

export interface EngineInput {
  line: string;
  env: Record<string, string | undefined>;
  cwd?: string | undefined;
  /** The shell's definitions of the line's words that are aliases or functions (the hook sends them). */
  defs?: ShellDefs | undefined;
  /** Set when `line` was typed inside a database client under `prodguard wrap`. */
  statement?: { dialect: Statement['dialect']; client: string } | undefined;
}

export interface Engine {
  /** The rules in effect: catalog and custom rules minus disabled ones, plus the engine's own. */
  rules: Rule[];
  evaluate(input: EngineInput): Verdict;
  /** The verdict with the parse and every match's reasons, for `prodguard explain`. */
  explain(input: EngineInput): Analysis;
}

export type EngineOptions = EvaluatorOptions;

export function createEngine(config: Config, opts: EngineOptions = {}): Engine {
  const evaluator = createEvaluator(config, opts);
  const explain = (input: EngineInput): Analysis => evaluator.analyze(input, parse(input));
  return { rules: evaluator.rules, explain, evaluate: (input) => explain(input).verdict };
}

function parse(input: EngineInput): ParsedLine {
  if (input.statement) {
    const { dialect, client } = input.statement;
    try {
      const statements = splitStatements(input.line, dialect, flavorOf(client)).map((text): Statement => ({ dialect, client, text, command: -1 }));
      return { commands: [], statements, problems: [] };
    } catch (err) {
      return { commands: [], statements: [], problems: [`statement splitter failed: ${(err as Error).message}`] };
    }
  }
  try {
    const parsed = parseLine(input.line);
    // What the line runs or feeds (scripts, SQL files, recipes, aliases, functions), judged too.
    reach(parsed, { cwd: input.cwd, env: input.env, defs: input.defs }, parseLine);
    return parsed;
  } catch (err) {
    // The parser promises not to throw; if it does, the line fails closed when it looks destructive.
    return { commands: [], statements: [], problems: [`parser failed: ${(err as Error).message}`] };
  }
}
