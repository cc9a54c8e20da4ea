import { z } from 'zod';
import { DecisionSchema, EventKindSchema, SeveritySchema, ViaSchema } from './schemas.js';

// One audit event as the store appends it and the sinks publish it. The audit table is
// append-only and hash-chained, so a command's start and its result are two events joined by
// (session, cmd): `command` when it is decided, `result` when it finished. `prodguard log` shows
// them as one row. The field order, columns and hash form are in ./event-fields.ts.

export type { Decision } from './enums.js';

export const AuditEventSchema = z.object({
  kind: EventKindSchema,
  /** Event time, ms since epoch (the client's when it came from a hook). */
  ts: z.number(),
  session: z.string(),
  /** Per-session command counter; null for session events. */
  cmd: z.number().int().nullable(),
  user: z.string(),
  uid: z.number().int().nullable(),
  host: z.string(),
  tty: z.string(),
  shell: z.string(),
  pid: z.number().int().nullable(),
  cwd: z.string(),
  /** Environment name and the signal that made it production (`ENV=production`). */
  env: z.string().nullable(),
  signal: z.string().nullable(),
  /** Redacted command line (never the clear text). */
  command: z.string().nullable(),
  /** Rule ids matched and the simple commands they matched. */
  rules: z.array(z.string()),
  matched: z.array(z.string()),
  severity: SeveritySchema.nullable(),
  decision: DecisionSchema.nullable(),
  exit: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  via: ViaSchema,
  /**
   * Checkpoint events only (written by `prodguard prune`): seq and hash of the last pruned row,
   * so `verify` can start the chain at the first row that is left.
   */
  anchor: z
    .object({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) })
    .nullable()
    .optional(),
  /** Agent rows (shell `agent`, schema v2): which coding agent sent the line (`claude-code`, `codex`, `gemini`). */
  agent: z.string().nullable().optional(),
  /** Who allowed an agent's line once (`prodguard allow`): the approving uid's user name. */
  approver: z.string().nullable().optional(),
  /** Why a record is unusual (an agent hook input that could not be read, a daemon timeout). */
  note: z.string().nullable().optional(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** An event as stored: sequence number and chain hash added. */
export type StoredEvent = AuditEvent & { seq: number; prevHash: string; hash: string };

/** A position in the hash chain: the head the witnesses publish, or a checkpoint's anchor. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** A chain head as published to syslog and the alert targets: with when it was read. */
export type PublishedHead = ChainHead & { ts: number };
