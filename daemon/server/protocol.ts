import { z } from 'zod';
import { VerdictSchema } from '../engine/verdict/schema.js';

// The one wire protocol: newline-delimited JSON, one request and one reply per connection line.
// Hooks (zsh over the unix socket, bash over loopback TCP with `token`), the CLI, `wrap` and the
// spool files all speak it. Every field is validated here; nothing else parses raw input.

export const PROTOCOL_VERSION = 1;

const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/);
const Text = (max: number) => z.string().max(max);

/** Who sends: one production shell (or a `wrap` session). */
export const OriginSchema = z.object({
  session: Id,
  shell: z.enum(['bash', 'zsh', 'wrap', 'cli']),
  pid: z.number().int().nonnegative(),
  tty: Text(256).default(''),
  user: Text(256).default(''),
  host: Text(256).default(''),
});

/** Environment variables the hook forwards for production detection (names are the config's). */
const EnvSchema = z.record(z.string().max(256), z.string().max(32_768)).default({});

const Base = {
  v: z.literal(PROTOCOL_VERSION),
  /** Required over TCP; ignored on the unix socket (its 0600 mode in a 0700 dir is the check). */
  token: z.string().max(256).optional(),
};

/** Set when the line is a statement typed inside a database client under `prodguard wrap`. */
export const StatementContextSchema = z
  .object({ dialect: z.enum(['sql', 'redis', 'mongo']), client: z.string().min(1).max(64) })
  .optional();

/** A name -> definition table of the shell; bounded (the hook sends only the line's words). */
const DefTable = z
  .record(z.string().min(1).max(256), z.string().max(65_536))
  .refine((t) => Object.keys(t).length <= 64, { message: 'at most 64 definitions' });

/**
 * The shell's definitions of the line's words that are aliases or functions (bash: BASH_ALIASES,
 * `declare -f`; zsh: $aliases, $functions). The engine expands them before judging the line.
 */
export const ShellDefsSchema = z.object({ aliases: DefTable.optional(), functions: DefTable.optional() }).optional();

/** Evaluate a line before it runs; the daemon records it unless the verdict is `confirm`. */
export const CheckRequestSchema = z.object({
  ...Base,
  op: z.literal('check'),
  origin: OriginSchema,
  /** Per-session command counter: (session, cmd) makes records idempotent. */
  cmd: z.number().int().nonnegative(),
  line: z.string(),
  statement: StatementContextSchema,
  cwd: Text(4096).default(''),
  env: EnvSchema,
  defs: ShellDefsSchema,
  /**
   * Sent by `prodguard wrap` run from a guarded shell line: that line's (session, cmd). The reply
   * says `granted` when the confirmation typed for that line covers this input (server/grants.ts).
   */
  grant: z.object({ session: Id, cmd: z.number().int().nonnegative() }).optional(),
  /** Client's clock when the line was entered, ms since epoch. */
  ts: z.number().nonnegative(),
});

/** The user's answer to a `confirm`, or a line the hook decided alone (daemon was down). */
export const DecisionRequestSchema = z.object({
  ...Base,
  op: z.literal('decision'),
  origin: OriginSchema,
  cmd: z.number().int().nonnegative(),
  line: z.string(),
  statement: StatementContextSchema,
  cwd: Text(4096).default(''),
  env: EnvSchema,
  defs: ShellDefsSchema,
  ts: z.number().nonnegative(),
  decision: z.enum(['allowed', 'confirmed', 'dry-run', 'cancelled', 'blocked', 'disabled']),
  /** `spool` when replayed from the hook's local spool. */
  via: z.enum(['live', 'spool']).default('live'),
});

/** Exit status and duration after the line ran. */
export const FinishRequestSchema = z.object({
  ...Base,
  op: z.literal('finish'),
  origin: OriginSchema,
  cmd: z.number().int().nonnegative(),
  exit: z.number().int().min(0).max(255),
  durationMs: z.number().nonnegative(),
  ts: z.number().nonnegative(),
  via: z.enum(['live', 'spool']).default('live'),
  /**
   * `short`: the reply on success is exactly SHORT_OK. The bash hook sends its next request on
   * the finish's connection and must read this reply by its length (bash reads a line from a
   * socket one byte per syscall).
   */
  ack: z.literal('short').optional(),
});

/** The reply to a finish sent with `ack: "short"` once it is committed (or was already). */
export const SHORT_OK = `{"v":${PROTOCOL_VERSION},"ok":true}`;

export const SessionRequestSchema = z.object({
  ...Base,
  op: z.literal('session'),
  origin: OriginSchema,
  event: z.enum(['start', 'end', 'disabled']),
  env: EnvSchema,
  cwd: Text(4096).default(''),
  ts: z.number().nonnegative(),
  via: z.enum(['live', 'spool']).default('live'),
});

export const HealthRequestSchema = z.object({ ...Base, op: z.literal('health') });

export const RequestSchema = z.discriminatedUnion('op', [
  CheckRequestSchema,
  DecisionRequestSchema,
  FinishRequestSchema,
  SessionRequestSchema,
  HealthRequestSchema,
]);
export type Request = z.infer<typeof RequestSchema>;

/** Each op's schema: RequestSchema's options by their discriminator. */
export const SCHEMA_BY_OP: Readonly<Record<Request['op'], z.ZodType>> = {
  check: CheckRequestSchema,
  decision: DecisionRequestSchema,
  finish: FinishRequestSchema,
  session: SessionRequestSchema,
  health: HealthRequestSchema,
};
export type CheckRequest = z.infer<typeof CheckRequestSchema>;
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;
export type FinishRequest = z.infer<typeof FinishRequestSchema>;
export type SessionRequest = z.infer<typeof SessionRequestSchema>;
export type Origin = z.infer<typeof OriginSchema>;

/**
 * Reply to `check`. Field order is fixed and the first fields are flat strings so that the shell
 * hooks can read them with one regex each, without a JSON parser:
 * {"v":1,"ok":true,"verdict":"confirm","phrase":"data","dryRun":false,"message":"..."}
 */
export const CheckReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  ok: z.literal(true),
  verdict: VerdictSchema.shape.verdict,
  phrase: z.string(),
  dryRun: z.boolean(),
  /** Human text for the terminal: what matched, why, the safer alternative. */
  message: z.string(),
  detail: VerdictSchema,
  /** The check carried a `grant` and the shell prompt's confirmation covers this input (used up). */
  granted: z.boolean().optional(),
});
export type CheckReply = z.infer<typeof CheckReplySchema>;

export const ErrorReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  ok: z.literal(false),
  error: z.string(),
});
export type ErrorReply = z.infer<typeof ErrorReplySchema>;
