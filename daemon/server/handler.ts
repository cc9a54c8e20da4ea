import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Verdict } from '../engine/verdict/schema.js';
import type { AuditEvent } from '../store/record.js';
import { Grants } from '../agents/grants.js';
import { createAgentDesk } from './agents.js';
import { DryRunFirst } from './dry-run-first.js';
import { commandEvent, immediateDecision, resultEvent, sessionEvent } from './events.js';
import type { LineReply, Transport } from './listener.js';
import { verdictMessage } from './message.js';
import { PROTOCOL_VERSION, RequestSchema, SCHEMA_BY_OP, SHORT_OK, type CheckRequest, type Request } from './protocol.js';
import type { Writer } from './writer.js';

// One request line -> one reply line. Authentication (TCP token), JSON and schema validation
// happen here, before anything is evaluated or recorded; every refusal is one JSON line.

export interface Evaluator {
  evaluate(input: { line: string; env: Record<string, string>; cwd: string; statement?: CheckRequest['statement'] }): Verdict;
}

export interface HandlerDeps {
  engine: () => Evaluator;
  /** The config in effect (policy.dryRunFirst is applied here: it needs per-session memory). */
  config: () => Config;
  writer: Writer;
  token: string;
  health: () => Record<string, unknown>;
  /** A refused request (reason only, never its content: it may hold secrets). */
  onRefused: (reason: string, transport: Transport | 'spool') => void;
  onError: (err: unknown, where: string) => void;
  /** Allow-once codes of agent hooks (the daemon takes over the run dir's file at start). */
  grants?: Grants;
}

export type Via = AuditEvent['via'];

export class RequestError extends Error {}

export const errorLine = (error: string): string => JSON.stringify({ v: PROTOCOL_VERSION, ok: false, error });

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

export interface Handler {
  handleLine(line: string, transport: Transport): Promise<LineReply>;
  /** Applies a validated request as if it came live (the spool uses this with via 'spool'). */
  apply(req: Request, via?: Via): Promise<string>;
}

export function createHandler(deps: HandlerDeps): Handler {
  const dryRunFirst = new DryRunFirst();
  const evaluate = (r: { line: string; env: Record<string, string>; cwd: string; statement?: CheckRequest['statement'] }): Verdict =>
    deps.engine().evaluate(r.statement ? { line: r.line, env: r.env, cwd: r.cwd, statement: r.statement } : { line: r.line, env: r.env, cwd: r.cwd });

  // The same text JSON.stringify({ v, ok, recorded, seq }) gives (seq is an integer or null), without the object.
  const recordedLine = (stored: { seq: number } | null): string =>
    stored === null ? `{"v":${PROTOCOL_VERSION},"ok":true,"recorded":false,"seq":null}` : `{"v":${PROTOCOL_VERSION},"ok":true,"recorded":true,"seq":${stored.seq}}`;
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
        // Committed before the reply: an acknowledged line survives kill -9.
        if (decision) await deps.writer.record(commandEvent(req, v, decision, via ?? 'live'));
        // Fixed field order: the hooks read the first fields with one regex each.
        return JSON.stringify({
          v: PROTOCOL_VERSION,
          ok: true,
          verdict: v.verdict,
          phrase: v.confirm ?? '',
          dryRun: v.dryRun,
          message: verdictMessage(v),
          detail: v,
        });
      }
      case 'decision': {
        const v = evaluate(req);
        if (req.decision !== 'cancelled' && req.decision !== 'blocked') dryRunFirst.note(req.origin.session, req.line, v);
        return recorded(commandEvent(req, v, req.decision, via ?? req.via));
      }
      case 'finish':
        if (req.ack === 'short') return deps.writer.record(resultEvent(req, via ?? req.via)).then(() => SHORT_OK);
        return recorded(resultEvent(req, via ?? req.via));
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
      try {
        return { line: await apply(req) };
      } catch (err) {
        deps.onError(err, req.op);
        return { line: errorLine(`${req.op} failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300)) };
      }
    },
  };
}
