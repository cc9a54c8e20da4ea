import type { Command } from 'commander';
import { HOOK_USAGE, runHook } from './hook.js';

// `prodguard hook` as a commander command (for `prodguard --help` and dist/cli/main.js); bin/prodguard
// runs the same runHook through the lean entry (hook-main.ts) without loading commander.

export function register(program: Command): void {
  program
    .command('hook')
    .description("a coding agent's pre/post tool hook: reads the agent's JSON on stdin, answers in its contract (see prodguard init claude-code)")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .addHelpText('after', `\n${HOOK_USAGE}`)
    .action(async (args: string[]) => {
      process.exitCode = await runHook(args);
    });
}
