import { createInterface } from 'node:readline';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { resolvePaths } from '../daemon/paths.js';
import { DIALECTS, type Dialect } from '../daemon/contract/enums.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { UserError } from './errors.js';
import { colorEnabled, painter, type Painter } from './output/color.js';
import { printable as p_, terminalSafeJson } from './output/text.js';
import type { Engine, EngineInput } from '../daemon/engine/index.js';
import type { Verdict } from '../daemon/contract/verdict.js';
import { dryRunText } from '../daemon/engine/verdict/message.js';
import type { Config } from '../daemon/config/schema.js';

// `prodguard check [--json] [--env NAME] -- <command line>`: the engine's verdict for one line in
// this environment. Exit 0 allow, 3 confirm, 4 block (cli/exit-codes.ts), so scripts can use it.

export interface LineOptions {
  env?: string;
  cwd?: string;
  statement?: Dialect;
}

/** Options shared by `check` and `explain`. */
export function lineOptions(cmd: Command): Command {
  // `prodguard check rm -rf x`: once the line has begun, its options (-rf) are its own, not ours.
  // Commander needs positional options on the parent for that (prodguard itself only has
  // --help/--version, which stay before the command name); `--` still works.
  cmd.parent?.enablePositionalOptions();
  return cmd
    .passThroughOptions()
    .argument('[line...]', 'the command line, after our options (words are joined with spaces; `--` before it is optional)')
    .option('--env <name>', 'simulate PRODGUARD_ENV=<name> (e.g. production) instead of the real environment')
    .option('--cwd <dir>', 'working directory the line runs in (default: the current one)')
    .addOption(new Option('--statement <dialect>', 'treat the line as a statement typed inside a database client').choices(DIALECTS));
}

/** Config and engine for one CLI run; a bad config is a ConfigError (exit 7, one line). */
export async function engineForCli(): Promise<{ engine: Engine; config: Config }> {
  const [{ loadConfig }, { createEngine }] = await Promise.all([import('../daemon/config/load.js'), import('../daemon/engine/index.js')]);
  const config = loadConfig(resolvePaths(process.env));
  return { engine: createEngine(config), config };
}

export function engineInput(words: string[], opts: LineOptions): EngineInput {
  const env: Record<string, string | undefined> = { ...process.env };
  if (opts.env !== undefined) env.PRODGUARD_ENV = opts.env;
  return {
    line: words.join(' '),
    env,
    cwd: opts.cwd ?? process.cwd(),
    statement: opts.statement ? { dialect: opts.statement, client: 'cli' } : undefined,
  };
}

export const exitCodeFor = (v: Verdict): number => (v.verdict === 'block' ? EXIT.BLOCK : v.verdict === 'confirm' ? EXIT.CONFIRM : EXIT.OK);

const VERDICT_STYLE = { allow: 'green', confirm: ['yellow', 'bold'], block: ['red', 'bold'] } as const;

export function productionLine(v: Verdict, paint: Painter): string {
  const p = v.production;
  if (v.disabled) return `${paint('yellow', 'guard disabled')} (PRODGUARD_DISABLE is set; this is logged)`;
  if (p.active) return `${paint(['red', 'bold'], 'production')} (${p_(p.signal ?? '')})`;
  return `not production${p.signal ? ` (${p_(p.signal)})` : p.env ? ` (environment ${p_(p.env)})` : ''}`;
}

export function renderVerdict(v: Verdict, paint: Painter): string {
  const out: string[] = [];
  const head = `${paint(VERDICT_STYLE[v.verdict], v.verdict.toUpperCase())}${v.severity ? ` (${v.severity})` : ''}`;
  out.push(`${head}  ${productionLine(v, paint)}`);
  if (v.verdict === 'confirm') {
    // DRY_RUN=1 only where the program reads it; otherwise each match shows its program's own dry run.
    const prefixWorks = v.matches.length > 0 && v.matches.every((m) => m.dryRun.prefix === 'honoured');
    out.push(`  type ${paint('bold', p_(JSON.stringify(v.confirm)))} to run it${prefixWorks ? ', or prefix it with DRY_RUN=1 for its dry run' : ''}`);
  }
  if (v.verdict === 'block') out.push('  never allowed in production by the policy');
  if (v.dryRun) out.push('  dry run: allowed and recorded as such');
  if (v.allowlisted) out.push(`  allowlisted: ${p_(v.allowlisted)}`);
  if (!v.matches.length) out.push(paint('dim', '  no rule matched'));
  // Everything that came from the line is shown with its control characters visible.
  for (const m of v.matches) {
    out.push(`  ${paint('bold', p_(m.rule))}  ${m.severity}  ${paint('dim', p_(m.command))}`);
    out.push(`    why:     ${p_(m.reason)}`);
    out.push(`    target:  ${p_(m.target ?? '-')}   phrase: ${p_(m.confirm)}`);
    out.push(`    instead: ${p_(m.alternative)}`);
    const d = m.dryRun;
    if (d.prefixSet && d.prefix === 'ignored')
      out.push(`    ${paint('yellow', 'DRY_RUN=1 is ignored here')}: this program reads no DRY_RUN variable`);
    const text = dryRunText(d);
    if (text) out.push(`    ${p_(text)}`);
  }
  // (files the line runs that were not read are noted as `<file>: not read: <why>`, engine/reach/)
  for (const p of v.problems) out.push(`  ${paint('yellow', / not read: |^reach: /.test(p) ? 'note' : 'parse problem')}: ${p_(p)}`);
  return out.join('\n');
}

/**
 * One input line of `check --batch`. Other keys are ignored, so a labelled corpus
 * (`{"line", "rules", "note"}`) can be piped in as it is.
 */
const BatchInputSchema = z.object({ line: z.string(), dialect: z.enum(DIALECTS).optional() });

function batchInput(text: string): { line: string; dialect?: LineOptions['statement'] } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
  const parsed = BatchInputSchema.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') };
  return parsed.data.dialect ? { line: parsed.data.line, dialect: parsed.data.dialect } : { line: parsed.data.line };
}

/**
 * `check --batch`: one JSON object per stdin line in, one `check --json` verdict per line out, in
 * order, in this one process (a scorer over thousands of lines, a CI job, an editor). A bad input
 * line gets `{"error": ..., "input": N}` on its own output line, so outputs stay aligned with
 * inputs and nothing is lost. Exit 0 when every input line was valid, 2 when one was not.
 */
async function runBatch(engine: Engine, opts: LineOptions): Promise<number> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0;
  let bad = 0;
  for await (const text of rl) {
    n++;
    const input = batchInput(text);
    let out: unknown;
    if ('error' in input) {
      bad++;
      out = {
        error: `prodguard: input line ${n}: ${input.error}: send {"line": "...", "dialect"?: ${DIALECTS.map((d) => `"${d}"`).join('|')}}`,
        input: n,
      };
    } else {
      const dialect = input.dialect ?? opts.statement;
      out = engine.evaluate(engineInput([input.line], dialect ? { ...opts, statement: dialect } : opts));
    }
    // Respect back-pressure: a reader slower than the engine must not make us buffer everything.
    if (!process.stdout.write(`${JSON.stringify(out)}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return bad ? EXIT.USAGE : EXIT.OK;
}

export function register(program: Command): void {
  lineOptions(
    program
      .command('check')
      .description('Print the verdict for a command line: allow (exit 0), confirm (exit 3) or block (exit 4)')
      .option('--json', 'print one JSON object (the verdict schema) instead of text')
      .option('--batch', 'read {"line": "...", "dialect"?: ...} objects, one per stdin line, and print one --json verdict per line, in order'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  prodguard check -- rm -rf /srv/data\n  prodguard check --env production --json -- git push --force origin main\n' +
        '  printf \'{"line":"rm -rf /srv"}\\n{"line":"DROP TABLE t","dialect":"sql"}\\n\' | prodguard check --batch --env production\n' +
        '\n--batch exits 0 when every input line was valid and 2 when one was not (its output line holds {"error", "input"}).\n',
    )
    .action(async (words: string[], opts: LineOptions & { json?: boolean; batch?: boolean }) => {
      if (opts.batch && words.length) throw new UserError('check --batch reads the lines from stdin: give no command line after the options');
      if (!opts.batch && !words.join('').trim())
        throw new UserError('check needs a command line: prodguard check -- LINE (or --batch to read JSON lines from stdin)');
      const { engine } = await engineForCli();
      if (opts.batch) {
        process.exitCode = await runBatch(engine, opts);
        return;
      }
      const verdict = engine.evaluate(engineInput(words, opts));
      process.stdout.write(opts.json ? `${terminalSafeJson(JSON.stringify(verdict))}\n` : `${renderVerdict(verdict, painter(colorEnabled()))}\n`);
      process.exitCode = exitCodeFor(verdict);
    });
}
