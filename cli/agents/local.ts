import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from '../../daemon/paths.js';
import type { AgentName } from '../../daemon/contract/enums.js';
import { PROTOCOL_VERSION } from '../../daemon/contract/wire.js';
import type { AgentReply } from '../../daemon/agents/answer.js';
import type { ToolCall } from '../../daemon/agents/input.js';

// The daemon is down: the in-process engine decides (the same verdict, seconds slower to load),
// the allow-once codes live in the run dir's file, and the record goes to the spool for the
// daemon to ingest when it is back. Loaded only on this path: it pulls in zod and the engine.

/** Variables kept in a spooled record: the production signals only (the spool is on disk). */
const EXTRA_ENV = ['PRODGUARD_ENV', 'PRODGUARD_DISABLE', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'KUBECONFIG', 'TF_WORKSPACE'];

export interface LocalDeps {
  agent: AgentName;
  paths: Paths;
  env: Record<string, string>;
  origin: Record<string, unknown>;
}

async function engineAndConfig(paths: Paths) {
  const [{ loadConfig }, { createEngine }] = await Promise.all([import('../../daemon/config/load.js'), import('../../daemon/engine/index.js')]);
  const config = loadConfig(paths);
  return { config, engine: createEngine(config) };
}

function productionEnv(env: Record<string, string>, variables: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...variables, ...EXTRA_ENV]) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

/** Appends one protocol request to this agent session's spool file (0600 in the 0700 spool dir). */
function spool(paths: Paths, session: string, req: Record<string, unknown>): void {
  mkdirSync(paths.spoolDir, { recursive: true, mode: 0o700 });
  appendFileSync(join(paths.spoolDir, `agent-${session}.ndjson`), `${JSON.stringify({ ...req, via: 'spool' })}\n`, { mode: 0o600 });
}

/** A tool call id for spooled records (the spool replays idempotently on it). */
const spoolId = (call: ToolCall): string => call.toolUseId ?? `spool-${process.pid}-${Date.now()}`;

export async function decideLocally(call: ToolCall, d: LocalDeps): Promise<AgentReply> {
  const { config, engine } = await engineAndConfig(d.paths);
  const [{ replyOf, agentVerdict, decideAgentCall }, { loadGrants, saveGrants }] = await Promise.all([
    import('../../daemon/agents/outcome.js'),
    import('../../daemon/agents/grants-file.js'),
  ]);
  const v = agentVerdict(engine.evaluate({ line: call.line, env: d.env, cwd: call.cwd }), call.line);
  mkdirSync(d.paths.runDir, { recursive: true, mode: 0o700 });
  const grants = loadGrants(d.paths.runDir);
  const decision = decideAgentCall(
    v,
    { agent: d.agent, session: call.session, line: call.line, cwd: call.cwd, canAsk: call.canAsk },
    grants,
    Date.now(),
  );
  if (decision.decision === 'confirmed' || decision.decision === 'denied') saveGrants(d.paths.runDir, grants);
  if (decision.decision !== null) {
    const req: Record<string, unknown> = {
      v: PROTOCOL_VERSION,
      op: 'agent',
      phase: 'record',
      agent: d.agent,
      origin: d.origin,
      toolUseId: spoolId(call),
      line: call.line,
      cwd: call.cwd,
      env: productionEnv(d.env, config.production.variables),
      ts: Date.now(),
      decision: decision.decision,
      ...(decision.approver !== null ? { approver: decision.approver } : {}),
    };
    spool(d.paths, call.session, req);
  }
  return replyOf(v, decision);
}

/** A post (the agent's result) while the daemon is down: spooled, joined by its tool call id. */
export async function spoolResult(call: ToolCall, d: LocalDeps): Promise<void> {
  if (call.toolUseId === undefined) return; // nothing to join it to once the daemon is back
  const { loadConfig } = await import('../../daemon/config/load.js');
  const config = loadConfig(d.paths);
  spool(d.paths, call.session, {
    v: PROTOCOL_VERSION,
    op: 'agent',
    phase: 'post',
    agent: d.agent,
    origin: d.origin,
    toolUseId: call.toolUseId,
    line: call.line,
    cwd: call.cwd,
    env: productionEnv(d.env, config.production.variables),
    ts: Date.now(),
    exit: call.exit,
  });
}

/** A failure recorded while the daemon is down or refused the request. */
export function spoolFailure(call: { session: string; cwd: string }, d: LocalDeps, note: string): void {
  spool(d.paths, call.session, {
    v: PROTOCOL_VERSION,
    op: 'agent',
    phase: 'record',
    agent: d.agent,
    origin: d.origin,
    toolUseId: `failure-${process.pid}-${Date.now()}`,
    line: '',
    cwd: call.cwd,
    env: {},
    ts: Date.now(),
    decision: 'blocked',
    note,
  });
}
