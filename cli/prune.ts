import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import { whenArg, withAudit, writeJson } from './audit-db.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { formatTime } from './output/time.js';

// `prodguard prune --before DATE`: retention. Deletes the oldest rows through the store's guarded
// path (the triggers refuse any other delete) and appends a checkpoint row naming the last row
// removed, so `prodguard verify` still proves the rest of the chain.

export function register(program: Command): void {
  program
    .command('prune')
    .description('Delete audit rows older than a date, keeping the chain verifiable (writes a checkpoint row)')
    .requiredOption('--before <when>', 'delete rows older than this: ISO date/time or 90d, 12w, ...', whenArg)
    .option('--json', 'print the result as JSON')
    .action((o: { before: number; json?: boolean }) => {
      if (o.before > Date.now()) throw new UserError(`--before ${formatTime(o.before)} is in the future, which would delete every row: give a past date`);
      // Never create a database just to prune it.
      const file = resolvePaths().dbFile;
      if (!existsSync(file)) throw new UserError(`no audit database at ${file}: nothing to prune`, EXIT.DATABASE);
      return withAudit({ readonly: false }, (store) => {
        const r = store.prune(new Date(o.before));
        if (o.json) return writeJson({ ...r, head: store.head() });
        if (!r.deleted) return void process.stdout.write(`nothing older than ${formatTime(o.before)}; no rows deleted\n`);
        process.stdout.write(`deleted ${r.deleted.toLocaleString('en-US')} rows up to row ${r.anchor!.seq}; checkpoint written as row ${r.checkpointSeq}\n`);
      });
    });
}
