import type { Decision, Severity, SourceKind } from '../contract/enums.js';
import type { AuditEvent, ChainHead } from '../contract/events.js';

/** What `prodguard log` asks for. Every field is optional; they combine with AND. */
export interface LogFilter {
  /** ms since epoch, inclusive. */
  since?: number | undefined;
  /** ms since epoch, exclusive. */
  until?: number | undefined;
  user?: string | undefined;
  /** Set by the store from `user`: the stored values it stands for (see query.ts USER_VALUES_SQL). */
  userValues?: string[] | undefined;
  host?: string | undefined;
  session?: string | undefined;
  /** Coding agent name (agent rows only). */
  agent?: string | undefined;
  /** Where the line came from: an interactive shell, a coding agent, or `prodguard wrap`. */
  kind?: SourceKind | undefined;
  /** A directory: matches it and everything below it. */
  cwd?: string | undefined;
  /** Minimum severity. */
  severity?: Severity | undefined;
  decision?: Decision[] | undefined;
  rule?: string | undefined;
  exit?: number | undefined;
  /** Finished with a non-zero exit code. */
  failed?: boolean | undefined;
  /** Words that must all appear in the command (FTS5; user text, escaped by the store). */
  search?: string | undefined;
  /** These rows only (`--follow` looking for the results of rows it printed). */
  seqs?: number[] | undefined;
  /** Rows after this seq only (`--follow`). */
  afterSeq?: number | undefined;
  /** Rows up to and including this seq only (`--follow` reads up to the head it saw). */
  throughSeq?: number | undefined;
  /** Default 50. */
  limit?: number | undefined;
  /** Oldest first (default: newest first). */
  reverse?: boolean | undefined;
}

/** One line of `prodguard log`: a command (or statement) with its result joined in. */
export type LogRow = Omit<AuditEvent, 'anchor'> & {
  seq: number;
  /** When the result came in (null while the command runs, or for events without a result). */
  endTs: number | null;
};

export type BreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated';

export interface VerifyResult {
  ok: boolean;
  /** Rows walked (up to and including the first bad one). */
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  head: ChainHead | null;
  /** Where the walk started when older rows were pruned: the checkpoint's anchor. */
  anchor: ChainHead | null;
  problem: { seq: number; kind: BreakKind; message: string } | null;
}

export interface StatsFilter {
  since?: number | undefined;
  until?: number | undefined;
}

export interface Count {
  key: string;
  count: number;
}

export interface Stats {
  since: number | null;
  until: number | null;
  /** Commands and statements (what was decided). */
  commands: number;
  sessions: number;
  failed: number;
  byDecision: Count[];
  bySeverity: Count[];
  byRule: Count[];
  byUser: Count[];
  /** Local calendar days, oldest first, days without activity included as 0. */
  byDay: Count[];
}

/** What a prune would delete: `rows` rows, up to and including `last`. */
export interface PrunePlan {
  rows: number;
  last: { seq: number; hash: string } | null;
}

export interface PruneResult {
  deleted: number;
  /** Last pruned row, recorded in the checkpoint; null when nothing was old enough. */
  anchor: ChainHead | null;
  checkpointSeq: number | null;
}
