import { hostname, userInfo } from 'node:os';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import { ALLOW_WINDOW_MS } from '../daemon/contract/agents.js';
import { AGENT_NAMES, type AgentName } from '../daemon/contract/enums.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { ANSWER_HEAD, PROTOCOL_VERSION } from '../daemon/contract/wire.js';
import { answerFor, failureAnswer, PASS, type Answer } from '../daemon/agents/answer.js';
import { parseHookInput } from '../daemon/agents/input.js';
import { callDaemon } from './agents/daemon-call.js';

// `prodguard hook claude-code|codex|gemini [--post]`, the Node entry (bin/prodguard-hook, a bash
// script, is the fast one and comes here when the daemon is down). The lean path: node builtins
// and a few zod-free modules (no commander, no zod: those cost most of a Node start); the
// agent's stdin goes to the daemon as it is (`op: "hook"`), the daemon's answer is printed as it
// is. The daemon down: the in-process engine decides (agents/local.ts). Every way this can go
// wrong on a shell call ends in a deny: any exit other than 0-with-JSON or 2 lets the command run.

export const HOOK_USAGE = `Usage: prodguard hook <agent> [--post]

A coding agent's hook: reads the agent's tool-call JSON on stdin and answers in that agent's
own contract (for its shell tool; other tools pass untouched). Install it with
\`prodguard init claude-code|codex|gemini --write\` (docs/agents.md).

Agents: ${AGENT_NAMES.join(', ')}
Options:
  --post      the call is the agent's post-tool event (also told by hook_event_name)
  -h, --help  this help

Exit status: 0 (the answer, if any, is on stdout, as the agents read it); 2 for a usage error,
which the agents treat as a block.
`;

/** Bounded wait for the daemon; past it the call fails closed (a hung daemon must not hang the agent). */
export const DAEMON_TIMEOUT_MS = 3_000;
/** Hook input beyond this is refused (a tool call is a few kB; the daemon takes up to 1 MiB a request). */
const MAX_INPUT_BYTES = 512 * 1024;

class HookUsageError extends Error {}

function readStdin(max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        process.stdin.destroy();
        resolve(null);
      } else chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** The hook process's environment as the protocol takes it (the engine's production detection reads it). */
function protocolEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k.length <= 256 && v.length <= 4096) out[k] = v;
  return out;
}

function userName(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.USER || env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

interface Ctx {
  agent: AgentName;
  paths: Paths;
  env: Record<string, string>;
  origin: Record<string, unknown>;
}

/** The daemon's answer, when it is one: null (print nothing) or the agent's JSON. */
function answerOf(line: string): Answer | null {
  if (line === `${ANSWER_HEAD}null}`) return PASS;
  if (!line.startsWith(ANSWER_HEAD) || !line.endsWith('}')) return null;
  const body = line.slice(ANSWER_HEAD.length, -1);
  try {
    const a = JSON.parse(body) as unknown;
    return a !== null && typeof a === 'object' && !Array.isArray(a) ? { stdout: `${body}\n`, exitCode: 0 } : null;
  } catch {
    return null;
  }
}

/** The daemon is not running: the engine here decides, the record goes to the spool. */
async function withoutDaemon(ctx: Ctx, text: string, post: boolean): Promise<Answer> {
  const input = parseHookInput(ctx.agent, text, post);
  if (input.kind === 'ignore') return PASS;
  const local = await import('./agents/local.js');
  const deps = { ...ctx, origin: { ...ctx.origin, session: input.kind === 'call' ? input.call.session : 'unknown' } };
  if (input.kind === 'failure') {
    if (input.phase === 'post') return PASS;
    local.spoolFailure({ session: input.session, cwd: '' }, { ...deps, origin: { ...deps.origin, session: input.session } }, input.why);
    return failureAnswer(ctx.agent, input.why);
  }
  if (input.call.phase === 'post') {
    await local.spoolResult(input.call, deps);
    return PASS;
  }
  return answerFor(ctx.agent, await local.decideLocally(input.call, deps), ALLOW_WINDOW_MS / 60_000);
}

/** The daemon did not answer (or not understandably): a shell call is refused, and that is recorded. */
async function failClosed(ctx: Ctx, text: string, post: boolean, why: string): Promise<Answer> {
  const input = parseHookInput(ctx.agent, text, post);
  if (input.kind === 'ignore' || (input.kind === 'call' ? input.call.phase : input.phase) === 'post') return PASS;
  const session = input.kind === 'call' ? input.call.session : input.session;
  const { spoolFailure } = await import('./agents/local.js');
  spoolFailure({ session, cwd: input.kind === 'call' ? input.call.cwd : '' }, { ...ctx, origin: { ...ctx.origin, session } }, why);
  return failureAnswer(ctx.agent, why);
}

function parseArgs(argv: readonly string[]): { agent: AgentName; post: boolean } | 'help' {
  let agent: string | undefined;
  let post = false;
  for (const a of argv) {
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '--post') post = true;
    else if (a.startsWith('-')) throw new HookUsageError(`unknown option ${a}: see prodguard hook --help`);
    else if (agent === undefined) agent = a;
    else throw new HookUsageError(`unexpected argument ${a}: see prodguard hook --help`);
  }
  if (agent === undefined) throw new HookUsageError(`which agent? use prodguard hook ${AGENT_NAMES.join('|')}`);
  if (!(AGENT_NAMES as readonly string[]).includes(agent)) throw new HookUsageError(`unknown agent "${agent}": use ${AGENT_NAMES.join(', ')}`);
  return { agent: agent as AgentName, post };
}

/** Runs the hook: writes the answer to stdout and returns the exit code. */
export async function runHook(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    // Exit 2: the agents read it as a block, so a misconfigured hook stops commands rather than waving them through.
    process.stderr.write(`prodguard: ${(err as Error).message}\n`);
    return EXIT.USAGE;
  }
  if (args === 'help') {
    process.stdout.write(HOOK_USAGE);
    return EXIT.OK;
  }
  const { agent, post } = args;
  const write = (a: Answer): number => {
    if (a.stdout) process.stdout.write(a.stdout);
    return a.exitCode;
  };
  let text = '';
  let ctx: Ctx | null = null;
  try {
    const read = await readStdin(MAX_INPUT_BYTES);
    if (read === null) return write(post ? PASS : failureAnswer(agent, `the hook input is over ${MAX_INPUT_BYTES} bytes`));
    text = read;
    ctx = {
      agent,
      paths: resolvePaths(env),
      env: protocolEnv(env),
      origin: { session: 'unknown', shell: 'agent', pid: process.ppid, tty: '', user: userName(env), host: hostname() },
    };
    const timeoutMs = Number(env.PRODGUARD_AGENT_TIMEOUT_MS) > 0 ? Number(env.PRODGUARD_AGENT_TIMEOUT_MS) : DAEMON_TIMEOUT_MS;
    const req = JSON.stringify({ v: PROTOCOL_VERSION, op: 'hook', agent, post, origin: ctx.origin, env: ctx.env, input: text });
    const r = await callDaemon(ctx.paths.socket, req, timeoutMs);
    if (r.kind === 'down') return write(await withoutDaemon(ctx, text, post));
    if (r.kind === 'reply') {
      const answer = answerOf(r.line);
      if (answer) return write(answer);
      // Not the reply's text in the note: it may quote the command, unredacted.
      return write(
        await failClosed(ctx, text, post, r.line.includes('"ok":false') ? 'the daemon refused the request' : "the daemon's reply was not understood"),
      );
    }
    return write(
      await failClosed(
        ctx,
        text,
        post,
        r.kind === 'timeout' ? `the daemon did not answer within ${timeoutMs} ms` : `the daemon connection failed: ${r.why}`,
      ),
    );
  } catch (err) {
    const why = `internal error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
    if (ctx) return write(await failClosed(ctx, text, post, why).catch(() => failureAnswer(agent, why)));
    return write(post ? PASS : failureAnswer(agent, why));
  }
}
