import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// WAL checkpoints off the write path. With synchronous=NORMAL a commit never fsyncs, but SQLite's
// automatic checkpoint runs inside the commit that crosses the threshold and fsyncs the WAL and
// the database there: measured ~20 ms every ~100 single-row commits, i.e. ~210 of the ~330 us an
// average commit cost, all of it landing on one unlucky command's reply. A worker thread with its
// own connection runs PASSIVE checkpoints instead (they take no write lock: the daemon keeps
// appending meanwhile). openStore's `autoCheckpointPages` stays as a backstop should the worker die.

/** The backstop threshold for the writer's own connection when the checkpointer runs (pages). */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
// Opened when they exist (never created here: the owner creates them 0600).
const dbs = new Map();
const tick = () => {
  for (const file of workerData.files) {
    try {
      let db = dbs.get(file);
      if (!db) {
        db = new Database(file, { fileMustExist: true, timeout: 1000 });
        db.pragma('synchronous = NORMAL');
        dbs.set(file, db);
      }
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      if (err && err.code !== 'SQLITE_CANTOPEN') parentPort.postMessage(file + ': ' + String((err && err.message) || err));
    }
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  for (const db of dbs.values()) db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker (its connection closes; the store's own close finishes the WAL). */
  stop(): Promise<void>;
}

/** One worker for all `files` (WAL databases that exist or will be created by their owner). */
export function startCheckpointer(files: string[], opts: { everyMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { files, sqlite, everyMs: opts.everyMs ?? 500 } });
  worker.unref();
  worker.on('message', (m: unknown) => opts.onError?.(String(m)));
  worker.on('error', (err) => opts.onError?.(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Referenced while stopping: with only unref'd handles left the process would exit mid-cleanup.
      worker.ref();
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
