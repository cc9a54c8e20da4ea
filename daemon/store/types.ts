import type { Severity } from '../engine/rules/schema.js';
import type { AuditEvent, Decision } from './record.js';

/** What `prodguard log` asks for. Every field is optional; they combine with AND. */
export interface LogFilter {
  /** ms since epoch, inclusive. */
  since?: number;
  /** ms since epoch, exclusive. */
  until?: number;
  user?: string;
  host?: string;
  session?: string;
  /** A directory: matches it and everything below it. */
  cwd?: string;
  /** Minimum severity. */
  severity?: Severity;
  decision?: Decision[];
  rule?: string;
  exit?: number;
  /** Finished with a non-zero exit code. */
  failed?: boolean;
  /** Words that must all appear in the command (FTS5; user text, escaped by the store). */
  search?: string;
  /** Rows after this seq only (`--follow`). */
  afterSeq?: number;
  /** Rows up to and including this seq only (`--follow` reads up to the head it saw). */
  throughSeq?: number;
  /** Default 50. */
  limit?: number;
  /** Oldest first (default: newest first). */
  reverse?: boolean;
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
  head: { seq: number; hash: string } | null;
  /** Where the walk started when older rows were pruned: the checkpoint's anchor. */
  anchor: { seq: number; hash: string } | null;
  problem: { seq: number; kind: BreakKind; message: string } | null;
}

export interface StatsFilter {
  since?: number;
  until?: number;
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

export interface PruneResult {
  deleted: number;
  /** Last pruned row, recorded in the checkpoint; null when nothing was old enough. */
  anchor: { seq: number; hash: string } | null;
  checkpointSeq: number | null;
}
