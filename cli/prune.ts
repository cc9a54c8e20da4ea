import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import { whenArg, withAudit, writeJson } from './audit-db.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { askLine } from './output/ask.js';
import { progress } from './output/progress.js';
import { formatTime } from './output/time.js';

// `prodguard prune --before DATE`: retention. Deletes the oldest rows through the store's guarded
// path (the triggers refuse any other delete) and appends a checkpoint row naming the last row
// removed, so `prodguard verify` still proves the rest of the chain. On a terminal it shows the
// count and asks first (`--yes` skips that for scripts run from one); `--dry-run` only counts.

interface PruneOptions {
  before: number;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

async function runPrune(o: PruneOptions): Promise<void> {
  if (o.before > Date.now()) throw new UserError(`--before ${formatTime(o.before)} is in the future, which would delete every row: give a past date`);
  // Never create a database just to prune it.
  const file = resolvePaths().dbFile;
  if (!existsSync(file)) throw new UserError(`no audit database at ${file}: nothing to prune`, EXIT.DATABASE);
  const before = new Date(o.before);
  await withAudit({ readonly: Boolean(o.dryRun) }, async (store) => {
    const plan = store.prunable(before);
    if (o.dryRun) {
      if (o.json) return writeJson({ dryRun: true, rows: plan.rows, upto: plan.last });
      const what = plan.last ? `${fmt(plan.rows)} rows (up to row ${plan.last.seq})` : 'no rows';
      return void process.stdout.write(`dry run: prune --before ${formatTime(o.before)} would delete ${what}; nothing was deleted\n`);
    }
    if (!plan.rows) {
      if (o.json) return writeJson({ deleted: 0, anchor: null, checkpointSeq: null, head: store.head() });
      return void process.stdout.write(`nothing older than ${formatTime(o.before)}; no rows deleted\n`);
    }
    if (!o.yes && process.stdin.isTTY && process.stderr.isTTY) {
      process.stderr.write(
        `prune will delete ${fmt(plan.rows)} audit rows older than ${formatTime(o.before)} (up to row ${plan.last!.seq}); a checkpoint row keeps the rest verifiable.\n`,
      );
      const answer = await askLine('Type "yes" to delete them (anything else cancels): ');
      if (answer !== 'yes') {
        process.stderr.write('prune cancelled: no rows were deleted\n');
        process.exitCode = EXIT.USAGE;
        return;
      }
    }
    const bar = progress('pruning', plan.rows);
    const r = store.prune(before, { onProgress: (n) => bar.update(n) });
    bar.done();
    if (o.json) return writeJson({ ...r, head: store.head() });
    process.stdout.write(`deleted ${fmt(r.deleted)} rows up to row ${r.anchor!.seq}; checkpoint written as row ${r.checkpointSeq}\n`);
  });
}

export function register(program: Command): void {
  program
    .command('prune')
    .description('Delete audit rows older than a date, keeping the chain verifiable (writes a checkpoint row)')
    .requiredOption('--before <when>', 'delete rows older than this: ISO date/time or 90d, 12w, ...', whenArg)
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('-y, --yes', 'do not ask on a terminal (scripts are never asked)')
    .option('--json', 'print the result as JSON')
    .action((o: PruneOptions) => runPrune(o));
}
