import { InvalidArgumentError, type Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import type { AuditStore } from '../daemon/store/index.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { parseWhen } from './output/time.js';

// What the audit commands (log, stats, verify, prune) share: opening the database straight from
// disk (the daemon may be down) and turning store failures into one-line errors.

/**
 * Runs `fn` with the audit store open; closes it after, maps store errors to exit 8. A reader
 * opens it from store/sqlite.ts, which loads no zod (~50 ms of start-up): a read-only store
 * never appends, so the event schema is not needed.
 */
export async function withAudit<T>(opts: { readonly: boolean }, fn: (store: AuditStore) => T | Promise<T>): Promise<T> {
  const { openStoreWith, StoreError } = await import('../daemon/store/sqlite.js');
  const open = opts.readonly ? (file: string) => openStoreWith(null, file, { readonly: true }) : (await import('../daemon/store/index.js')).openStore;
  const toUser = (err: unknown) => (err instanceof StoreError ? new UserError(err.message, EXIT.DATABASE) : err);
  let store: AuditStore;
  try {
    store = open(resolvePaths().dbFile);
  } catch (err) {
    throw toUser(err);
  }
  try {
    return await fn(store);
  } catch (err) {
    throw toUser(err);
  } finally {
    store.close();
  }
}

/** commander argument parser for --since/--until/--before. */
export function whenArg(value: string): number {
  try {
    return parseWhen(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function writeJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** The --since/--until pair of the commands that read a time range (log, stats). */
export function timeRangeOptions(cmd: Command): Command {
  return cmd
    .option('--since <when>', 'from this time: ISO date/time, 30m, 2h, 7d, today, yesterday', whenArg)
    .option('--until <when>', 'before this time (same forms as --since)', whenArg);
}
