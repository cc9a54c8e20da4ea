import { createHash, timingSafeEqual } from 'node:crypto';
import { hookGeneration } from '../config/generation.js';
import type { Config } from '../config/schema.js';
import { NOT_RUN_DECISIONS, type Decision, type Via } from '../contract/enums.js';
import { DryRunFirst, type Engine } from '../engine/index.js';
import type { Verdict } from '../contract/verdict.js';
import type { AuditEvent } from '../contract/events.js';
import { Grants } from '../agents/grants.js';
import { createAgentDesk } from './agents.js';
import { commandEvent, guardFailureEvent, immediateDecision, resultEvent, sessionEvent } from './events.js';
import { GrantBook } from './grants.js';
import type { LineReply, Transport } from './listener.js';
import { verdictMessage } from '../engine/verdict/message.js';
import {
  PROTOCOL_VERSION,
  RequestSchema,
  SCHEMA_BY_OP,
  SHORT_OK,
  ALLOW_SHORT,
  checkReplyLine,
  errorLine,
  recordedLine,
  type CheckRequest,
  type HealthBody,
  type Request,
} from '../contract/protocol.js';
import type { Writer } from './writer.js';

// One request line -> one reply line. Authentication (TCP token), JSON and schema validation
// happen here, before anything is evaluated or recorded; every refusal is one JSON line.

/** What the handler needs of the engine (the engine itself, or a test's stand-in). */
export type LineEvaluator = Pick<Engine, 'evaluate'>;

export interface HandlerDeps {
  engine: () => LineEvaluator;
  /** The config in effect (policy.dryRunFirst is applied here: it needs per-session memory). */
  config: () => Config;
  writer: Writer;
  token: string;
  health: () => HealthBody;
  /** A refused request (reason only, never its content: it may hold secrets). */
  onRefused: (reason: string, transport: Transport | 'spool') => void;
  onError: (err: unknown, where: string) => void;
  /** Allow-once codes of agent hooks (the daemon takes over the run dir's file at start). */
  grants?: Grants;
}

export class RequestError extends Error {}

export { errorLine };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

// The expected token's digest, computed once per token (not once per TCP request).
let expectedToken: string | null = null;
let expectedDigest: Buffer | null = null;

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  if (expectedToken !== expected || expectedDigest === null) {
    expectedDigest = digest(expected);
    expectedToken = expected;
  }
  return timingSafeEqual(expectedDigest, digest(given));
}

/** Parses and validates one line; throws RequestError with the reply text on any problem. */
export function parseRequest(line: string, needToken: string | null): Request {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new RequestError('malformed JSON: send one JSON object per line');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RequestError('malformed request: expected a JSON object');
  if (needToken !== null) {
    const token = (raw as { token?: unknown }).token;
    if (token === undefined) throw new RequestError('missing token: TCP requests must carry the token from the run directory');
    if (!tokenMatches(needToken, token)) throw new RequestError('bad token');
  }
  // The option for a known op directly (what the discriminated union would pick, without its
  // dispatch); anything else through the union itself, for its error message.
  const op = (raw as { op?: unknown }).op;
  const schema = typeof op === 'string' && Object.hasOwn(SCHEMA_BY_OP, op) ? SCHEMA_BY_OP[op as Request['op']] : RequestSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join('.') : 'request';
    throw new RequestError(`invalid request: ${at}: ${issue.message}`.slice(0, 300));
  }
  return parsed.data as Request;
}

/** An allow with nothing to say: what ALLOW_SHORT stands for (its head fields, as verdictReply writes them). */
const isPlainAllow = (v: Verdict): boolean => v.verdict === 'allow' && !v.confirm && !v.dryRun && verdictMessage(v) === '';

/** The reply to a check (the daemon's, and the hook's local fallback's: daemon/guard.ts). */
export function verdictReply(v: Verdict, opts: { unrecorded?: boolean; gen?: string; granted?: boolean } = {}): string {
  return checkReplyLine(v, verdictMessage(v), opts);
}

export interface Handler {
  handleLine(line: string, transport: Transport): Promise<LineReply>;
  /** Applies a validated request as if it came live (the spool uses this with via 'spool'). */
  apply(req: Request, via?: Via): Promise<string>;
}

const didNotRun = (d: Decision): boolean => (NOT_RUN_DECISIONS as readonly Decision[]).includes(d);

/**
 * Lines recorded `cancelled` or `blocked`, by session and cmd, so that a result arriving for one
 * is caught (the invariant: a refused line never ran). Bounded: the oldest are forgotten first.
 */
class RefusedLines {
  private readonly keys = new Map<string, string>();
  constructor(private readonly max = 10_000) {}
  note(session: string, cmd: number, decision: Decision): void {
    if (!didNotRun(decision)) return;
    if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(`${session}\n${cmd}`, decision);
  }
  decisionOf(session: string, cmd: number): string | undefined {
    return this.keys.get(`${session}\n${cmd}`);
  }
}

export function createHandler(deps: HandlerDeps): Handler {
  const dryRunFirst = new DryRunFirst();
  const refused = new RefusedLines();
  const grants = new GrantBook();
  const evaluate = (r: {
    line: string;
    env: Record<string, string>;
    cwd: string;
    statement?: CheckRequest['statement'];
    defs?: CheckRequest['defs'];
  }): Verdict =>
    deps
      .engine()
      .evaluate(
        r.statement
          ? { line: r.line, env: r.env, cwd: r.cwd, statement: r.statement }
          : { line: r.line, env: r.env, cwd: r.cwd, ...(r.defs ? { defs: r.defs } : {}) },
      );

  const recorded = (e: AuditEvent): Promise<string> => deps.writer.record(e).then(recordedLine);
  const agents = createAgentDesk({ evaluate, record: (e) => deps.writer.record(e), grants: deps.grants ?? new Grants() });

  async function apply(req: Request, via?: Via): Promise<string> {
    switch (req.op) {
      case 'health':
        return JSON.stringify({ v: PROTOCOL_VERSION, ok: true, ...deps.health() });
      case 'check': {
        const raw = evaluate(req);
        dryRunFirst.note(req.origin.session, req.line, raw);
        const v = dryRunFirst.apply(deps.config(), req.origin.session, req.line, raw);
        const decision = immediateDecision(v);
        // Committed before the reply: an acknowledged line survives kill -9. A database that
        // refuses writes (disk full, lock) degrades the record, never the verdict: the writer
        // keeps the event in memory and retries it; the failure is counted in health.
        let unrecorded = false;
        if (decision) {
          refused.note(req.origin.session, req.cmd, decision);
          await deps.writer.record(commandEvent(req, v, decision, via ?? 'live')).catch((err: unknown) => {
            if (via === 'spool') throw err; // a spool line stays in its file until it is stored
            deps.onError(err, 'check record');
            unrecorded = true; // the hook spools the request too (a copy that survives kill -9)
          });
        }
        const gen = hookGeneration(deps.config());
        const genDiffers = req.gen !== undefined && req.gen !== gen;
        if (req.ack === 'short' && !unrecorded && !genDiffers && !req.grant && isPlainAllow(v)) return ALLOW_SHORT;
        return verdictReply(v, {
          unrecorded,
          ...(genDiffers ? { gen } : {}),
          ...(req.grant ? { granted: grants.redeem(req.grant.session, req.grant.cmd, v) } : {}),
        });
      }
      case 'decision': {
        const v = evaluate(req);
        if (!didNotRun(req.decision)) dryRunFirst.note(req.origin.session, req.line, v);
        refused.note(req.origin.session, req.cmd, req.decision);
        if (req.decision === 'confirmed' && (via ?? req.via) === 'live' && (req.origin.shell === 'bash' || req.origin.shell === 'zsh'))
          grants.confirmed(req.origin.session, req.cmd, v);
        return recorded(commandEvent(req, v, req.decision, via ?? req.via));
      }
      case 'finish': {
        const wasRefused = refused.decisionOf(req.origin.session, req.cmd);
        if (wasRefused !== undefined) await deps.writer.record(guardFailureEvent(req, wasRefused, via ?? req.via));
        if (req.ack === 'short') return deps.writer.record(resultEvent(req, via ?? req.via)).then(() => SHORT_OK);
        return recorded(resultEvent(req, via ?? req.via));
      }
      case 'session': {
        let production: Verdict['production'] | null = null;
        try {
          production = evaluate({ line: '', env: req.env, cwd: req.cwd }).production;
        } catch (err) {
          deps.onError(err, 'session production');
        }
        return recorded(sessionEvent(req, production, via ?? req.via));
      }
      case 'agent':
        return agents.agent(req, via ?? req.via);
      case 'hook':
        return agents.hook(req, via ?? 'live');
      case 'grant':
        return agents.grant(req);
    }
  }

  return {
    apply,
    async handleLine(line, transport) {
      let req: Request;
      try {
        req = parseRequest(line, transport === 'tcp' ? deps.token : null);
      } catch (err) {
        const reason = err instanceof RequestError ? err.message : 'invalid request';
        deps.onRefused(reason.replace(/:.*$/, ''), transport);
        // Over TCP an unauthenticated peer gets one answer and the door.
        return { line: errorLine(reason), close: transport === 'tcp' };
      }
      // A hook's request is the last of its connection (one process per tool call): the close
      // after the reply lets bin/prodguard-hook read it to the end in one read(2), where bash
      // would read up to a newline a byte at a time.
      const last = req.op === 'hook' ? { close: true } : {};
      try {
        return { line: await apply(req), ...last };
      } catch (err) {
        deps.onError(err, req.op);
        return { line: errorLine(`${req.op} failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300)), ...last };
      }
    },
  };
}
