import { EXIT } from '../daemon/contract/exit-codes.js';
import { runHook } from './hook.js';

// The lean entry bin/prodguard runs for `prodguard hook ...` (no commander, no zod).
runHook(process.argv.slice(3)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // runHook answers every failure itself; this is the last net: exit 2 blocks in every agent.
    process.stderr.write(`prodguard: hook failed: ${err instanceof Error ? err.message : String(err)}; the command is refused\n`);
    process.exitCode = EXIT.USAGE;
  },
);
