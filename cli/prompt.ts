import type { Command } from 'commander';
import type { Config } from '../daemon/config/schema.js';
import { resolvePaths } from '../daemon/paths.js';

// `prodguard prompt`: a short segment for a status line (starship, tmux, a custom PS1) that says
// this shell is production and why; nothing otherwise. In a hooked shell the hook exports
// PRODGUARD_PRODUCTION (the signal), so the answer costs no detection; elsewhere the engine's own
// production detection runs over this environment.

interface PromptOptions {
  format: string;
  quiet?: boolean;
}

const DEFAULT_FORMAT = 'PROD {signal}';

/** The signal that makes this environment production, or null. */
async function productionSignal(): Promise<string | null> {
  const exported = process.env.PRODGUARD_PRODUCTION;
  // The hook exports 1 (guarded production); a status tool may export the signal itself.
  if (exported !== undefined) return exported === '1' ? 'production' : exported && exported !== '0' ? exported : null;
  const [{ loadConfig, defaultConfig }, { detectProduction }] = await Promise.all([
    import('../daemon/config/load.js'),
    import('../daemon/engine/production/index.js'),
  ]);
  let config: Config;
  try {
    config = loadConfig(resolvePaths());
  } catch {
    config = defaultConfig(); // a status line must not break on a bad config: the defaults still detect
  }
  const p = detectProduction(process.env, config, { cwd: process.cwd() });
  return p.active ? (p.signal ?? 'production') : null;
}

export function register(program: Command): void {
  program
    .command('prompt')
    .description('Print a short prompt segment when this shell is production (nothing otherwise); exit 0 in production, 1 not')
    .option('--format <text>', 'the segment, with {signal} (what says production, e.g. ENV=production)', DEFAULT_FORMAT)
    .option('-q, --quiet', 'print nothing: only the exit status (for starship `when`)')
    .action(async (o: PromptOptions) => {
      const signal = await productionSignal();
      if (signal !== null && !o.quiet) process.stdout.write(`${o.format.replaceAll('{signal}', signal.replace(/[\x00-\x1f\x7f]/g, '?'))}\n`);
      process.exitCode = signal === null ? 1 : 0;
    });
}
