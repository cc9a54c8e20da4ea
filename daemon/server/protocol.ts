import { z } from 'zod';
import { VerdictSchema } from '../engine/verdict/schema.js';
import { AGENT_NAMES, ALLOW_CODE_RE, PROTOCOL_VERSION } from './wire.js';

// The one wire protocol: newline-delimited JSON, one request and one reply per connection line.
// Hooks (zsh over the unix socket, bash over loopback TCP with `token`), the CLI, `wrap` and the
// spool files all speak it. Every field is validated here; nothing else parses raw input.

export { PROTOCOL_VERSION };

const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/);
const Text = (max: number) => z.string().max(max);

/** Who sends: one production shell (or a `wrap` session, or a coding agent's hook: session is the agent's). */
export const OriginSchema = z.object({
  session: Id,
  shell: z.enum(['bash', 'zsh', 'wrap', 'cli', 'agent']),
  pid: z.number().int().nonnegative(),
  tty: Text(256).default(''),
  user: Text(256).default(''),
  host: Text(256).default(''),
});

/** Environment variables the hook forwards for production detection (names are the config's). */
const EnvSchema = z.record(z.string().max(256), z.string().max(4096)).default({});

const Base = {
  v: z.literal(PROTOCOL_VERSION),
  /** Required over TCP; ignored on the unix socket (its 0600 mode in a 0700 dir is the check). */
  token: z.string().max(256).optional(),
};

/** Set when the line is a statement typed inside a database client under `prodguard wrap`. */
export const StatementContextSchema = z
  .object({ dialect: z.enum(['sql', 'redis', 'mongo']), client: z.string().min(1).max(64) })
  .optional();

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

/**
 * A coding agent's hook (`prodguard hook claude-code|codex|gemini`). `pre`: decide a tool call's
 * command line before it runs (and record it); `post`: the agent reported its result; `record`:
 * a decision taken without the daemon (it was down, or the hook could not read the agent's
 * input: `note` says why), recorded as given.
 */
export const AgentRequestSchema = z.object({
  ...Base,
  op: z.literal('agent'),
  phase: z.enum(['pre', 'post', 'record']),
  agent: z.enum(AGENT_NAMES),
  origin: OriginSchema,
  /** The agent's id of this tool call (joins pre and post); absent for agents that send none. */
  toolUseId: Text(256).optional(),
  line: z.string(),
  cwd: Text(4096).default(''),
  env: EnvSchema,
  ts: z.number().nonnegative(),
  /** post: the exit status the agent reported, when it reports one. */
  exit: z.number().int().min(-255).max(255).nullable().optional(),
  /** record: what was decided. */
  decision: z.enum(['allowed', 'confirmed', 'dry-run', 'blocked', 'disabled', 'asked', 'denied']).optional(),
  approver: Text(256).optional(),
  note: Text(500).optional(),
  via: z.enum(['live', 'spool']).default('live'),
});

/**
 * `prodguard hook <agent>` as it comes from the agent: `input` is the agent's stdin as it was
 * read (parsed and checked here, daemon/agents/input.ts, so the hook need not parse JSON: it
 * may be a shell script). The reply is `{"v":1,"ok":true,"answer":A}`: A is exactly what the hook
 * prints (the agent's own JSON), or null for nothing.
 */
export const HookRequestSchema = z.object({
  ...Base,
  op: z.literal('hook'),
  agent: z.enum(AGENT_NAMES),
  /** The agent's post-tool event (`--post`; also told by the input's hook_event_name). */
  post: z.boolean().default(false),
  /** The hook process's side: the agent's pid, user, host. The session is the input's session_id. */
  origin: OriginSchema.extend({ session: Id.default('unknown') }),
  env: EnvSchema,
  /**
   * Linux: the hook's own pid, whose /proc/PID/environ (same uid only) the daemon reads instead
   * of `env`, so the bash entry need not escape every variable.
   */
  envPid: z.number().int().min(2).optional(),
  /** The agent's stdin: as text, or (from the bash entry, which sends it unparsed) as the JSON value itself. */
  input: z.unknown(),
});

/** `prodguard allow CODE`: `show` what a code would allow; `approve` it with the phrase a human typed. */
export const GrantRequestSchema = z.object({
  ...Base,
  op: z.literal('grant'),
  action: z.enum(['show', 'approve']),
  code: z.string().regex(ALLOW_CODE_RE),
  phrase: z.string().max(4096).optional(),
  approver: Text(256).optional(),
});

export const RequestSchema = z.discriminatedUnion('op', [
  CheckRequestSchema,
  DecisionRequestSchema,
  FinishRequestSchema,
  SessionRequestSchema,
  HealthRequestSchema,
  AgentRequestSchema,
  HookRequestSchema,
  GrantRequestSchema,
]);
export type Request = z.infer<typeof RequestSchema>;

/** Each op's schema: RequestSchema's options by their discriminator. */
export const SCHEMA_BY_OP: Readonly<Record<Request['op'], z.ZodType>> = {
  check: CheckRequestSchema,
  decision: DecisionRequestSchema,
  finish: FinishRequestSchema,
  session: SessionRequestSchema,
  health: HealthRequestSchema,
  agent: AgentRequestSchema,
  hook: HookRequestSchema,
  grant: GrantRequestSchema,
};
export type CheckRequest = z.infer<typeof CheckRequestSchema>;
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;
export type FinishRequest = z.infer<typeof FinishRequestSchema>;
export type SessionRequest = z.infer<typeof SessionRequestSchema>;
export type Origin = z.infer<typeof OriginSchema>;
export type AgentRequest = z.infer<typeof AgentRequestSchema>;
export type HookRequest = z.infer<typeof HookRequestSchema>;
export type GrantRequest = z.infer<typeof GrantRequestSchema>;

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
});
export type CheckReply = z.infer<typeof CheckReplySchema>;

export const ErrorReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  ok: z.literal(false),
  error: z.string(),
});
export type ErrorReply = z.infer<typeof ErrorReplySchema>;
