import { appendFileSync, chmodSync, mkdirSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { productionVariables, type Config } from '../../daemon/config/schema.js';
import { SIGNAL_VARS } from '../../daemon/contract/signals.js';
import type { Engine } from '../../daemon/engine/index.js';
import { immediateDecision, type Verdict } from '../../daemon/contract/verdict.js';
import type { Paths } from '../../daemon/paths.js';
import { requestDaemon } from '../daemon-client.js';
import { verdictMessage } from '../../daemon/engine/verdict/message.js';
import { CheckReplySchema, PROTOCOL_VERSION, type DecisionRequest, type Origin } from '../../daemon/contract/protocol.js';
import type { Unit } from './assemblers.js';

// Evaluates what the wrapped client is about to act on, and records it. Through the daemon when
// it answers (the statement lands in the audit trail as part of the session); otherwise with the
// engine in this process, appending the records to the spool that the daemon ingests later, so
// nothing is lost while it is down.

export type Decision = DecisionRequest['decision'];

export interface Evaluation {
  verdict: Verdict['verdict'];
  phrase: string;
  message: string;
  /** The daemon said the confirmation typed at the shell prompt for the launching line covers this (server/grants.ts). */
  granted?: boolean;
  /** Where the records go: `daemon` (it already recorded allow/block) or `spool`. */
  via: 'daemon' | 'spool';
  /** The request to record the user's answer with; null when nothing could be evaluated. */
  request: Omit<DecisionRequest, 'decision' | 'via' | 'v'> | null;
  detail: Verdict | null;
}

export interface EvaluatorOptions {
  paths: Paths;
  config: Config;
  env: Record<string, string>;
  cwd: string;
  client: string;
  /** The parent production shell's session (PRODGUARD_SESSION), if any. */
  parentSession: string | null;
  /** The launching shell line's (session, cmd), sent with each check so the daemon can say `granted`. */
  grant?: { session: string; cmd: number } | null;
  daemonTimeoutMs?: number;
}

const SESSION_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export class WrapEvaluator {
  readonly origin: Origin;
  private cmd: number;
  private engine: Engine | null = null;
  private daemonDown = false;
  private readonly ownSession: boolean;

  constructor(private readonly o: EvaluatorOptions) {
    const parent = o.parentSession && SESSION_ID.test(o.parentSession) ? o.parentSession : null;
    this.ownSession = parent === null;
    const now = Date.now();
    let user = '';
    try {
      user = userInfo().username;
    } catch {
      user = o.env.USER ?? '';
    }
    this.origin = {
      session: parent ?? `wrap-${process.pid}-${now.toString(36)}`,
      shell: 'wrap',
      pid: process.pid,
      tty: ttyName(),
      user,
      host: hostname(),
    };
    // In the parent's session the shell hook numbers its own lines from 1: this wrap numbers its
    // statements from its start time so (session, cmd) never collides with the shell's lines or
    // with another wrap of the same shell.
    this.cmd = parent ? now * 1000 : 0;
  }

  /** Records the start of this wrap's own session (not when it joins its parent shell's). */
  async start(): Promise<void> {
    if (this.ownSession) await this.session('start');
  }

  async end(): Promise<void> {
    if (this.ownSession) await this.session('end');
  }

  /** PRODGUARD_DISABLE in a production wrap: the client runs unguarded, and that is on record. */
  async disabled(): Promise<void> {
    await this.session('disabled');
  }

  private async session(event: 'start' | 'end' | 'disabled'): Promise<void> {
    const req = { op: 'session' as const, origin: this.origin, event, env: this.o.env, cwd: this.o.cwd, ts: Date.now() };
    if (!this.daemonDown) {
      try {
        await requestDaemon(this.o.paths, req, { timeoutMs: this.o.daemonTimeoutMs ?? 1000 });
        return;
      } catch {
        this.daemonDown = true;
      }
    }
    this.spool({ v: PROTOCOL_VERSION, ...req, via: 'spool' });
  }

  async check(unit: Unit): Promise<Evaluation> {
    const request = {
      op: 'decision' as const,
      origin: this.origin,
      cmd: ++this.cmd,
      line: unit.text,
      ...(unit.kind === 'statement' ? { statement: { dialect: unit.dialect, client: this.o.client } } : {}),
      cwd: this.o.cwd,
      env: this.o.env,
      ts: Date.now(),
    };
    // Try the daemon again on every statement: it may have come back.
    try {
      const reply = CheckReplySchema.parse(
        await requestDaemon(
          this.o.paths,
          { ...request, op: 'check', ...(this.o.grant ? { grant: this.o.grant } : {}) },
          { timeoutMs: this.timeout() },
        ),
      );
      this.daemonDown = false;
      return {
        verdict: reply.verdict,
        phrase: reply.phrase,
        message: reply.message,
        granted: reply.granted === true,
        via: 'daemon',
        request,
        detail: reply.detail,
      };
    } catch {
      this.daemonDown = true;
    }
    const v = (await this.localEngine()).evaluate(
      request.statement
        ? { line: request.line, env: request.env, cwd: request.cwd, statement: request.statement }
        : { line: request.line, env: request.env, cwd: request.cwd },
    );
    const ev: Evaluation = {
      verdict: v.verdict,
      phrase: v.confirm ?? '',
      message: verdictMessage(v),
      granted: false,
      via: 'spool',
      request,
      detail: v,
    };
    // allow and block are decided now; confirm waits for the user's answer (record()).
    const decision = immediateDecision(v);
    if (decision !== null) this.spool({ v: PROTOCOL_VERSION, ...request, decision, via: 'spool' });
    return ev;
  }

  /** Records the user's answer to a `confirm`. */
  async record(ev: Evaluation, decision: Decision): Promise<void> {
    if (!ev.request) return;
    const req = { v: PROTOCOL_VERSION, ...ev.request, decision };
    if (ev.via === 'daemon') {
      try {
        await requestDaemon(this.o.paths, req, { timeoutMs: this.timeout() });
        return;
      } catch {
        this.daemonDown = true;
      }
    }
    this.spool({ ...req, via: 'spool' });
  }

  /** A daemon that just failed gets a short leash: a hung one must not stall every Enter. */
  private timeout(): number {
    return this.daemonDown ? Math.min(200, this.o.daemonTimeoutMs ?? 1000) : (this.o.daemonTimeoutMs ?? 1000);
  }

  private async localEngine(): Promise<Engine> {
    if (!this.engine) {
      const { createEngine } = await import('../../daemon/engine/index.js');
      this.engine = createEngine(this.o.config);
    }
    return this.engine;
  }

  /** Appends one protocol request to <spoolDir>/<session>.ndjson (0600 in a 0700 dir). */
  private spool(req: Record<string, unknown>): void {
    const dir = this.o.paths.spoolDir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${this.origin.session}.ndjson`);
    // One write per line with O_APPEND: concurrent appenders (the shell hook) never interleave.
    appendFileSync(file, `${JSON.stringify(req)}\n`, { mode: 0o600 });
    try {
      chmodSync(file, 0o600);
    } catch {
      // best effort: the directory is 0700 anyway
    }
  }
}

function ttyName(): string {
  try {
    const t = readlinkSync('/proc/self/fd/0');
    return t.startsWith('/dev/') ? t : '';
  } catch {
    return '';
  }
}

/** Only the variables production detection reads: the rest of the environment (secrets) stays here. */
export function signalEnv(env: NodeJS.ProcessEnv, config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...SIGNAL_VARS, ...productionVariables(config)]) {
    const v = env[name];
    if (v !== undefined && v.length <= 4096) out[name] = v;
  }
  return out;
}
