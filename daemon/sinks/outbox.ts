import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

// The sinks' durable state, `${dataDir}/outbox.db` (0600): the syslog queue of each stream target
// and the alert outbox. Separate from the audit database so a slow or dead remote never holds a
// lock the audit path needs. Migrations are numbered by `PRAGMA user_version`.

export type Db = BetterSqlite3.Database;

const MIGRATIONS: string[] = [
  `CREATE TABLE syslog_queue (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     target TEXT NOT NULL,
     message BLOB NOT NULL,
     created INTEGER NOT NULL
   );
   CREATE INDEX syslog_queue_target ON syslog_queue (target, id);
   CREATE TABLE counters (
     target TEXT NOT NULL,
     name TEXT NOT NULL,
     value INTEGER NOT NULL,
     PRIMARY KEY (target, name)
   ) WITHOUT ROWID;
   CREATE TABLE alerts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     target TEXT NOT NULL,
     -- idempotency key: one row per (target, event), whatever republishes it
     key TEXT NOT NULL,
     -- webhook-id, stable across retries and restarts
     msg_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('event', 'summary')),
     item TEXT NOT NULL,
     created INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'gave-up', 'summarised')),
     last_error TEXT,
     done_at INTEGER,
     summary_id INTEGER,
     UNIQUE (target, key)
   );
   CREATE INDEX alerts_due ON alerts (target, state, next_at);
   CREATE INDEX alerts_done ON alerts (target, done_at);`,
];

/** Opens (creating 0600 in a 0700 dir) and migrates the outbox. */
export async function openOutbox(dataDir: string, opts: { readonly?: boolean } = {}): Promise<Db> {
  const { default: Database } = await import('better-sqlite3');
  const file = outboxFile(dataDir);
  if (opts.readonly) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    return db;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

export function outboxFile(dataDir: string): string {
  return join(dataDir, 'outbox.db');
}

/** Persistent counters (overflow drops, give-ups) so `doctor` sees them after a restart. */
export function bumpCounter(db: Db, target: string, name: string, by = 1): void {
  db.prepare(
    `INSERT INTO counters (target, name, value) VALUES (?, ?, ?)
     ON CONFLICT (target, name) DO UPDATE SET value = value + excluded.value`,
  ).run(target, name, by);
}

export function readCounter(db: Db, target: string, name: string): number {
  const row = db.prepare('SELECT value FROM counters WHERE target = ? AND name = ?').get(target, name) as { value: number } | undefined;
  return row?.value ?? 0;
}
