import type Database from 'better-sqlite3';
import { SEV_RANK_SQL } from '../contract/enums.js';

// The audit database schema, as an ordered list of migrations. PRAGMA user_version holds how many
// have run; opening read-write runs the missing ones in one transaction. Never edit a released
// migration: append a new one.

const V1 = `
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,   -- position in the chain (not hashed; see chain.ts)
  kind        TEXT    NOT NULL,
  ts          INTEGER NOT NULL,      -- ms since epoch
  session     TEXT    NOT NULL,
  cmd         INTEGER,
  user        TEXT    NOT NULL,
  uid         INTEGER,
  host        TEXT    NOT NULL,
  tty         TEXT    NOT NULL,
  shell       TEXT    NOT NULL,
  pid         INTEGER,
  cwd         TEXT    NOT NULL,
  env         TEXT,
  signal      TEXT,
  command     TEXT,                  -- already redacted by the engine
  rules       TEXT    NOT NULL,      -- JSON array
  matched     TEXT    NOT NULL,      -- JSON array
  severity    TEXT,
  decision    TEXT,
  exit        INTEGER,
  duration_ms REAL,
  via         TEXT    NOT NULL,
  anchor_seq  INTEGER,               -- checkpoint rows: last pruned row
  anchor_hash TEXT,
  prev_hash   TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  sev_rank    INTEGER GENERATED ALWAYS AS (
    ${SEV_RANK_SQL}
  ) VIRTUAL
);

-- Idempotency: a record replayed from a hook's spool or re-sent after a crash is stored once.
CREATE UNIQUE INDEX events_once ON events (session, cmd, kind) WHERE cmd IS NOT NULL;
CREATE UNIQUE INDEX events_session_once ON events (session, kind) WHERE kind IN ('session-start', 'session-end');

-- One index per \`prodguard log\` filter. SQLite appends the rowid (seq) to each, so an equality
-- filter walks its index already in seq order and ORDER BY seq DESC LIMIT n stops early.
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_user ON events (user);
CREATE INDEX events_host ON events (host);
CREATE INDEX events_cwd ON events (cwd);
-- Partial: most rows are allowed and carry no severity, and those need no index to be found
-- newest first. query.ts repeats the WHERE terms so the planner can use them.
CREATE INDEX events_decision ON events (decision) WHERE decision <> 'allowed';
CREATE INDEX events_sev ON events (sev_rank) WHERE sev_rank IS NOT NULL;
-- --exit/--failed test the joined result row: newest-first scans stop after n matches, so they
-- get no index of their own (one would cost every insert).

-- Rule ids, one row each, so --rule is an index lookup rather than a JSON scan.
CREATE TABLE event_rules (rule TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (rule, seq)) WITHOUT ROWID;

-- Full-text search over the redacted command (external content: the text is stored once).
CREATE VIRTUAL TABLE events_fts USING fts5(command, content='events', content_rowid='seq');

-- Set to the highest seq prune may delete, inside prune's transaction only.
CREATE TABLE prune_guard (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER);
INSERT INTO prune_guard (id, upto) VALUES (1, NULL);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN OLD.seq > coalesce((SELECT upto FROM prune_guard WHERE id = 1), 0)
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only; use prodguard prune'); END;

-- The search index and event_rules are written by the store in the same transaction as the
-- row (store/index.ts): as triggers they made every insert ~10x slower (measured).
`;

// Session events numbered by the hook (cmd set) are kept apart by events_once: each leave and
// re-enter of production is its own row. Unnumbered ones (older hooks, wrap) stay once per session.
const V2 = `
DROP INDEX events_session_once;
CREATE UNIQUE INDEX events_session_once ON events (session, kind) WHERE kind IN ('session-start', 'session-end') AND cmd IS NULL;
`;

// Agent rows: the coding agent, who allowed a line once, and a note on unusual records. Hashed
// only when one is set (contract/event-fields.ts `whenSet`), so every older row keeps its hash.
const V3 = `
ALTER TABLE events ADD COLUMN agent TEXT;
ALTER TABLE events ADD COLUMN approver TEXT;
ALTER TABLE events ADD COLUMN note TEXT;
CREATE INDEX events_agent ON events (agent) WHERE agent IS NOT NULL;
`;

export const MIGRATIONS: readonly string[] = [V1, V2, V3];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the migrations the database has not seen yet. */
export function migrate(db: Database.Database): void {
  if (schemaVersion(db) >= MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const have = schemaVersion(db);
    for (let v = have; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
