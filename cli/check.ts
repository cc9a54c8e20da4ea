import { Command, Option } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import { EXIT } from './exit-codes.js';
import { colorEnabled, painter, type Painter } from './output/color.js';
import type { Engine, EngineInput } from '../daemon/engine/index.js';
import type { Verdict } from '../daemon/engine/verdict/schema.js';
import type { Config } from '../daemon/config/schema.js';

// `prodguard check [--json] [--env NAME] -- <command line>`: the engine's verdict for one line in
// this environment. Exit 0 allow, 3 confirm, 4 block (cli/exit-codes.ts), so scripts can use it.

export interface LineOptions {
  env?: string;
  cwd?: string;
  statement?: 'sql' | 'redis' | 'mongo';
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
    .addOption(new Option('--statement <dialect>', 'treat the line as a statement typed inside a database client').choices(['sql', 'redis', 'mongo']));
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
  if (p.active) return `${paint(['red', 'bold'], 'production')} (${p.signal})`;
  return `not production${p.signal ? ` (${p.signal})` : p.env ? ` (environment ${p.env})` : ''}`;
}

export function renderVerdict(v: Verdict, paint: Painter): string {
  const out: string[] = [];
  const head = `${paint(VERDICT_STYLE[v.verdict], v.verdict.toUpperCase())}${v.severity ? ` (${v.severity})` : ''}`;
  out.push(`${head}  ${productionLine(v, paint)}`);
  if (v.verdict === 'confirm') out.push(`  type ${paint('bold', JSON.stringify(v.confirm))} to run it, or run its dry run (DRY_RUN=1 or the tool's own)`);
  if (v.verdict === 'block') out.push('  never allowed in production by the policy');
  if (v.dryRun) out.push('  dry run: allowed and recorded as such');
  if (v.allowlisted) out.push(`  allowlisted: ${v.allowlisted}`);
  if (!v.matches.length) out.push(paint('dim', '  no rule matched'));
  for (const m of v.matches) {
    out.push(`  ${paint('bold', m.rule)}  ${m.severity}  ${paint('dim', m.command)}`);
    out.push(`    why:     ${m.reason}`);
    out.push(`    target:  ${m.target ?? '-'}   phrase: ${m.confirm}`);
    out.push(`    instead: ${m.alternative}`);
  }
  // (files the line runs that were not read are noted as `<file>: not read: <why>`, engine/reach/)
  for (const p of v.problems) out.push(`  ${paint('yellow', / not read: |^reach: /.test(p) ? 'note' : 'parse problem')}: ${p}`);
  return out.join('\n');
}

export function register(program: Command): void {
  lineOptions(
    program
      .command('check')
      .description('Print the verdict for a command line: allow (exit 0), confirm (exit 3) or block (exit 4)')
      .option('--json', 'print one JSON object (the verdict schema) instead of text'),
  )
    .addHelpText('after', '\nExamples:\n  prodguard check -- rm -rf /srv/data\n  prodguard check --env production --json -- git push --force origin main\n')
    .action(async (words: string[], opts: LineOptions & { json?: boolean }) => {
      const { engine } = await engineForCli();
      const verdict = engine.evaluate(engineInput(words, opts));
      process.stdout.write(opts.json ? `${JSON.stringify(verdict)}\n` : `${renderVerdict(verdict, painter(colorEnabled()))}\n`);
      process.exitCode = exitCodeFor(verdict);
    });
}
