import { z } from 'zod';
import { ALLOW_CODE_RE } from './agents.js';
import { AGENT_NAMES, AGENT_PHASES, GRANT_ACTIONS, WARMUP_STATES } from './enums.js';
import { DecisionSchema, DialectSchema, OriginKindSchema, SessionEventSchema, ViaSchema } from './schemas.js';
import { VerdictSchema } from './verdict.js';
import { PROTOCOL_VERSION } from './wire.js';

export { ANSWER_HEAD, answerLine } from './wire.js';

// The one wire protocol: newline-delimited JSON, one request and one reply per connection line.
// Hooks (zsh over the unix socket, bash over loopback TCP with `token`), the CLI, `wrap` and the
// spool files all speak it. Every field is validated here; nothing else parses raw input.

export { PROTOCOL_VERSION };

const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/);
const Text = (max: number) => z.string().max(max);

/** Who sends: one production shell (or a `wrap` session, or a coding agent's hook: session is the agent's). */
export const OriginSchema = z.object({
  session: Id,
  shell: OriginKindSchema,
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
export const StatementContextSchema = z.object({ dialect: DialectSchema, client: z.string().min(1).max(64) }).optional();

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
/** The line a check and a decision are about, and where it was typed. */
const LineFields = {
  origin: OriginSchema,
  /** Per-session command counter: (session, cmd) makes records idempotent. */
  cmd: z.number().int().nonnegative(),
  line: z.string(),
  statement: StatementContextSchema,
  cwd: Text(4096).default(''),
  env: EnvSchema,
  defs: ShellDefsSchema,
  /** Client's clock when the line was entered, ms since epoch. */
  ts: z.number().nonnegative(),
};

export const CheckRequestSchema = z.object({
  ...Base,
  op: z.literal('check'),
  ...LineFields,
  /**
   * Sent by `prodguard wrap` run from a guarded shell line: that line's (session, cmd). The reply
   * says `granted` when the confirmation typed for that line covers this input (server/grants.ts).
   */
  grant: z.object({ session: Id, cmd: z.number().int().nonnegative() }).optional(),
  /** The config generation the hook was generated from (config/generation.ts). */
  gen: z.string().max(64).optional(),
  /**
   * `short`: a plain allow (nothing to say, nothing to add) is answered exactly ALLOW_SHORT. The
   * hooks read it whole by its length and keep the connection for the line's finish.
   */
  ack: z.literal('short').optional(),
});

/** The user's answer to a `confirm`, or a line the hook decided alone (daemon was down). */
export const DecisionRequestSchema = z.object({
  ...Base,
  op: z.literal('decision'),
  ...LineFields,
  decision: DecisionSchema,
  /** `spool` when replayed from the hook's local spool. */
  via: ViaSchema.default('live'),
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
  via: ViaSchema.default('live'),
  /**
   * `short`: the reply on success is exactly SHORT_OK. The bash hook sends its next request on
   * the finish's connection and must read this reply by its length (bash reads a line from a
   * socket one byte per syscall).
   */
  ack: z.literal('short').optional(),
});

/**
 * The TCP handshake, before any request. The client's first line is the knock (from the run
 * directory, new at each start); the daemon answers it with the proof (idem) and closes the
 * connection without a word on anything else. A hook sends nothing else (no token, no command
 * text) before it has read exactly the proof: a listener on the port that is not the daemon (an
 * impostor that bound it after a crash) learns only a stale knock, which opens nothing, and
 * cannot answer. Fixed lengths: the bash hook reads the proof line with one read.
 */
export const knockLine = (knock: string): string => `{"v":${PROTOCOL_VERSION},"knock":"${knock}"}`;
export const helloLine = (proof: string): string => `{"v":${PROTOCOL_VERSION},"hello":"${proof}"}`;

/** Why a session event happened (the hooks send one; `tampered` carries what was found changed). */
export const SESSION_CAUSES = ['load', 'signals', 'disable', 'enable', 'exit', 'config'] as const;

export const SessionRequestSchema = z.object({
  ...Base,
  op: z.literal('session'),
  origin: OriginSchema,
  event: SessionEventSchema,
  /**
   * The hook numbers its session events with its command counter: every leave, re-enter and off
   * switch is its own row, and (session, cmd) still stores a replayed copy once.
   */
  cmd: z.number().int().nonnegative().optional(),
  /** One of SESSION_CAUSES, or for `tampered` the list of what changed (a fixed vocabulary, no user text). */
  cause: z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9_ ,:.=+-]*$/)
    .default(''),
  env: EnvSchema,
  cwd: Text(4096).default(''),
  ts: z.number().nonnegative(),
  via: ViaSchema.default('live'),
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
  phase: z.enum(AGENT_PHASES),
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
  /** record: what was decided (an agent's line is never `cancelled`: nobody was at a prompt). */
  decision: DecisionSchema.exclude(['cancelled']).optional(),
  approver: Text(256).optional(),
  note: Text(500).optional(),
  via: ViaSchema.default('live'),
});

/**
 * `prodguard hook <agent>` as it comes from the agent: `input` is the agent's stdin as it was
 * read (parsed and checked here, daemon/agents/input.ts, so the hook need not parse JSON: it
 * may be a shell script). The reply is `{"v":1,"ok":true,"answer":A}` (answerLine): A is exactly
 * what the hook prints (the agent's own JSON), or null for nothing. It is the last request of its
 * connection: the daemon ends it after the reply, which bin/prodguard-hook reads to that end.
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
  action: z.enum(GRANT_ACTIONS),
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
  /** The daemon's config generation, only when the request's `gen` differs: the hook regenerates itself. */
  gen: z.string().optional(),
  /**
   * Set when the daemon could not store the line's record (disk full, lock): the verdict holds,
   * the daemon retries the record from memory, and the hook spools the request as well.
   */
  unrecorded: z.literal(true).optional(),
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

/** The reply to `health`: what `daemon status` and `doctor` show. Loose: a newer daemon may add fields. */
export const HealthReplySchema = z.looseObject({
  v: z.literal(PROTOCOL_VERSION),
  ok: z.literal(true),
  version: z.string(),
  pid: z.number().int(),
  uptimeMs: z.number(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  socket: z.string(),
  tcpPort: z.number().int(),
  connections: z.number().int(),
  /** Connections accepted since start (a hook keeps its connection between lines). */
  accepted: z.number().int(),
  /** TCP peers closed for a missing or wrong knock. */
  refusedPeers: z.number().int(),
  config: z.looseObject({ file: z.string() }),
  writer: z.looseObject({ rows: z.number(), failed: z.number(), lastError: z.object({ message: z.string(), at: z.number() }).nullable() }),
  spool: z.record(z.string(), z.unknown()),
  /** The daemon's own log file: lines dropped while it could not be written (disk full). */
  log: z.record(z.string(), z.unknown()),
  warmup: z.enum(WARMUP_STATES),
});
export type HealthReply = z.infer<typeof HealthReplySchema>;
/** What the daemon fills in of a health reply. */
export type HealthBody = Omit<HealthReply, 'v' | 'ok'>;

// Reply texts and prefixes that are matched as text, not parsed: the shell hooks (generated by
// `prodguard init` from these), the listener's last-resort reply and the bench.
const V = `{"v":${PROTOCOL_VERSION}`;

/** The reply to a finish sent with `ack: "short"` once it is committed (or was already). */
export const SHORT_OK = `${V},"ok":true}`;

export const REPLY_PREFIX = {
  /** Every successful reply starts so. */
  ok: `${V},"ok":true`,
  /** Every refusal starts so; the reason follows as a JSON string. */
  error: `${V},"ok":false,"error":"`,
  /** The head of the check reply for a plain `allow` (the hooks' fast path). */
  allow: `${V},"ok":true,"verdict":"allow","phrase":"","dryRun":false,"message":""`,
} as const;

/** The whole reply to a check sent with `ack: "short"` when its verdict is a plain allow. */
export const ALLOW_SHORT = `${REPLY_PREFIX.allow}}`;

/** One refusal line: {"v":1,"ok":false,"error":"..."}. */
export const errorLine = (error: string): string => JSON.stringify({ v: PROTOCOL_VERSION, ok: false, error });

/** The reply when handling a request failed unexpectedly (no detail: it may hold secrets). */
export const INTERNAL_ERROR_LINE = errorLine('internal error');

/**
 * The reply to a decision, finish or session: the text JSON.stringify({ v, ok, recorded, seq })
 * gives (seq an integer or null), without building the object (hot path).
 */
export const recordedLine = (stored: { seq: number } | null): string =>
  stored === null ? `${REPLY_PREFIX.ok},"recorded":false,"seq":null}` : `${REPLY_PREFIX.ok},"recorded":true,"seq":${stored.seq}}`;

/** The check reply in its fixed field order (see CheckReplySchema). */
/** The text between a check reply's message (or gen) and its detail when the record could not be stored. */
export const UNRECORDED_MARK = '","unrecorded":true,';

/** What a check reply says when its record could not be stored (never empty: see below). */
export const UNRECORDED_MESSAGE = 'prodguard: the daemon could not store this record; it retries from memory and the hook spools it';

export function checkReplyLine(
  detail: z.infer<typeof VerdictSchema>,
  message: string,
  opts: { unrecorded?: boolean; gen?: string; granted?: boolean } = {},
): string {
  // Fixed field order: the hooks read the first fields with one regex each (gen, then unrecorded,
  // only when set). Never an empty message when unrecorded: the bash hook stops reading at the
  // exact head of a plain allow.
  const head = {
    v: PROTOCOL_VERSION,
    ok: true,
    verdict: detail.verdict,
    phrase: detail.confirm ?? '',
    dryRun: detail.dryRun,
    message: opts.unrecorded ? message || UNRECORDED_MESSAGE : message,
  } as const;
  const reply: CheckReply = {
    ...head,
    ...(opts.gen !== undefined ? { gen: opts.gen } : {}),
    ...(opts.unrecorded ? { unrecorded: true as const } : {}),
    detail,
    ...(opts.granted !== undefined ? { granted: opts.granted } : {}),
  };
  return JSON.stringify(reply);
}
