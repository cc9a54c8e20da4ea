import { createReadStream, lstatSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Request } from '../contract/protocol.js';

// Spool ingestion. While the daemon is unreachable, hooks append protocol requests (one JSON per
// line) to <spoolDir>/<session>.ndjson. Each file is renamed to *.ingesting before it is read, so
// a shell appending at the same moment starts a fresh file; lines are applied as if live (the
// store is idempotent on (session, cmd, kind), so a replay or a duplicate line adds nothing);
// the file is deleted once every line is committed. Invalid lines are skipped and counted.

export interface SpoolDeps {
  spoolDir: string;
  /** Parse + validate one line (no token: the spool dir is 0700). Throws on an invalid line. */
  parse: (line: string) => Request;
  apply: (req: Request) => Promise<unknown>;
  maxLineBytes: () => number;
  onFileError: (file: string, err: unknown) => void;
}

export interface SpoolStats {
  files: number;
  lines: number;
  applied: number;
  invalid: number;
  failed: number;
}

const BATCH = 256;

function foreignFile(file: string): string | null {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink() || !st.isFile()) return 'not a regular file: not ingested';
    if (st.uid !== (process.getuid?.() ?? st.uid)) return `owned by uid ${st.uid}: not ingested`;
    return null;
  } catch {
    return null; // gone meanwhile: the rename below says so
  }
}

export function createSpoolIngester(deps: SpoolDeps): { ingest(): Promise<SpoolStats>; totals(): SpoolStats } {
  const totals: SpoolStats = { files: 0, lines: 0, applied: 0, invalid: 0, failed: 0 };
  const refused = new Set<string>();
  let running: Promise<SpoolStats> | null = null;

  async function ingestFile(file: string, stats: SpoolStats): Promise<boolean> {
    const input = createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let batch: Array<Promise<unknown>> = [];
    let ok = true;
    const drain = async (): Promise<void> => {
      const results = await Promise.allSettled(batch);
      batch = [];
      for (const r of results) {
        if (r.status === 'fulfilled') stats.applied++;
        else {
          stats.failed++;
          ok = false; // keep the file: its lines are retried next round (idempotent)
        }
      }
    };
    for await (const line of lines) {
      if (line.trim() === '') continue;
      stats.lines++;
      if (Buffer.byteLength(line) > deps.maxLineBytes()) {
        stats.invalid++;
        continue;
      }
      let req: Request;
      try {
        req = deps.parse(line);
      } catch {
        stats.invalid++;
        continue;
      }
      if (req.op === 'health') continue;
      batch.push(deps.apply(req));
      if (batch.length >= BATCH) await drain();
    }
    await drain();
    return ok;
  }

  async function run(): Promise<SpoolStats> {
    const stats: SpoolStats = { files: 0, lines: 0, applied: 0, invalid: 0, failed: 0 };
    let names: string[];
    try {
      names = readdirSync(deps.spoolDir);
    } catch {
      return stats;
    }
    // Leftover *.ingesting files (a daemon died mid-ingest) are replayed first; idempotent.
    const claimed = names.filter((n) => n.endsWith('.ingesting')).map((n) => join(deps.spoolDir, n));
    for (const n of names.filter((n) => n.endsWith('.ndjson'))) {
      const from = join(deps.spoolDir, n);
      // Only regular files of this uid: a symlink or a file someone else put there is never read
      // (the dir is 0700 and checked at start; this is the second lock). Left in place, logged.
      const problem = foreignFile(from);
      if (problem) {
        if (!refused.has(from)) deps.onFileError(from, new Error(problem)); // once, not every tick
        refused.add(from);
        continue;
      }
      const to = `${from}.${process.pid}.${Date.now()}.ingesting`;
      try {
        renameSync(from, to);
        claimed.push(to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') deps.onFileError(from, err);
      }
    }
    for (const file of claimed) {
      try {
        stats.files++;
        if (await ingestFile(file, stats)) unlinkSync(file);
      } catch (err) {
        deps.onFileError(file, err);
      }
    }
    for (const k of Object.keys(totals) as Array<keyof SpoolStats>) totals[k] += stats[k];
    return stats;
  }

  return {
    /** One pass over the spool; concurrent calls share the pass in progress. */
    ingest() {
      running ??= run().finally(() => {
        running = null;
      });
      return running;
    },
    totals: () => ({ ...totals }),
  };
}
