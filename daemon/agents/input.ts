import { isAbsolute, resolve } from 'node:path';
import type { AgentName } from '../contract/enums.js';

// The agent's hook input (JSON on stdin), checked by hand as strictly as a zod schema would:
// this runs on every tool call of the agent, and zod costs ~50 ms to import. Shapes as each
// agent documents them (design notes, "Agent hooks"):
//   Claude Code  PreToolUse / PostToolUse  tool_name "Bash", tool_input.command, tool_use_id
//   Codex CLI    PreToolUse / PostToolUse  the same plus turn_id and model
//   Gemini CLI   BeforeTool / AfterTool    tool_name "run_shell_command", tool_input.command (+ dir_path)

export type Phase = 'pre' | 'post';

export interface ToolCall {
  phase: Phase;
  session: string;
  cwd: string;
  line: string;
  toolUseId: string | undefined;
  /** post: the exit status the agent reported, when it did. */
  exit: number | null;
  /**
   * The agent puts an "ask" to its human: Claude Code, except in bypassPermissions mode, where
   * nobody is asked (Codex and Gemini fail open on "ask": they get a deny with an allow-once code).
   */
  canAsk: boolean;
}

/** What the hook makes of its input: a shell call to judge, something to leave alone, or a failure (fail closed). */
export type HookInput =
  | { kind: 'call'; call: ToolCall }
  | { kind: 'ignore'; why: string }
  | { kind: 'failure'; why: string; phase: Phase; session: string };

/** The tools that run a shell command line, per agent. Anything else (Read, Edit, MCP tools...) is not ours. */
export const SHELL_TOOLS: Readonly<Record<AgentName, readonly string[]>> = {
  'claude-code': ['Bash'],
  codex: ['Bash', 'shell', 'local_shell', 'exec_command', 'container.exec', 'unified_exec'],
  gemini: ['run_shell_command'],
};

const PRE_EVENTS = new Set(['PreToolUse', 'BeforeTool']);
const POST_EVENTS = new Set(['PostToolUse', 'AfterTool']);
const MAX_ID = 1024;
const MAX_LINE = 256 * 1024;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);

/** Single-quotes a word for the shell (an argv-style command is judged as the line it amounts to). */
const shq = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command line of a shell tool call: a string, or (Codex) an argv array. */
function commandLine(input: Obj): string | null {
  const c = input.command ?? input.cmd;
  if (typeof c === 'string') return c;
  if (Array.isArray(c) && c.length > 0 && c.every((w) => typeof w === 'string')) return (c as string[]).map(shq).join(' ');
  return null;
}

/** Agent session ids as the protocol's Id (letters, digits, `._:@-`, at most 128). */
export function sessionId(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9._:@-]/g, '_').slice(0, 128);
  return s === '' ? 'unknown' : s;
}

/** The exit status in a PostToolUse / AfterTool response, when the agent reports one. */
export function reportedExit(o: Obj): number | null {
  const fromObj = (x: Obj): number | null => {
    for (const k of ['exit_code', 'exitCode', 'exit_status', 'returncode', 'returnCode']) {
      const v = x[k];
      if (typeof v === 'number' && Number.isInteger(v) && v >= -255 && v <= 255) return v;
    }
    return null;
  };
  const resp = o.tool_response ?? o.tool_result;
  if (isObj(resp)) {
    const n = fromObj(resp);
    if (n !== null) return n;
    // Gemini's run_shell_command reports "Exit Code: N" in the text it gives the model.
    const text = typeof resp.llmContent === 'string' ? resp.llmContent : typeof resp.output === 'string' ? resp.output : '';
    const m = /Exit Code: (-?\d{1,3})\b/.exec(text);
    if (m) return Number(m[1]);
  }
  if (typeof resp === 'string') {
    const m = /Exit Code: (-?\d{1,3})\b/.exec(resp);
    if (m) return Number(m[1]);
  }
  return fromObj(o);
}

/** The session_id of input that could not be read whole (a truncated call still names its session). */
function sessionIn(text: string): string {
  const m = /"session_id"\s*:\s*"([^"\\]{1,128})"/.exec(text);
  return m ? sessionId(m[1]!) : 'unknown';
}

/** `input`: the agent's stdin as text, or already parsed (the daemon got it as a JSON value). */
export function parseHookInput(agent: AgentName, input: unknown, forcePost: boolean): HookInput {
  const r = parseWhole(agent, input, forcePost);
  return r.kind === 'failure' && r.session === '' ? { ...r, session: typeof input === 'string' ? sessionIn(input) : 'unknown' } : r;
}

function parseWhole(agent: AgentName, input: unknown, forcePost: boolean): HookInput {
  const failPhase: Phase = forcePost ? 'post' : 'pre';
  const text = typeof input === 'string' ? input : '';
  let raw: unknown = input;
  try {
    if (typeof input === 'string') raw = JSON.parse(text);
  } catch {
    return {
      kind: 'failure',
      why: text.trim() === '' ? 'the hook input was empty' : 'the hook input is not valid JSON (truncated?)',
      phase: failPhase,
      session: '',
    };
  }
  if (!isObj(raw)) return { kind: 'failure', why: 'the hook input is not a JSON object', phase: failPhase, session: '' };
  const event = str(raw, 'hook_event_name');
  let phase: Phase = failPhase;
  if (event !== undefined) {
    if (PRE_EVENTS.has(event)) phase = 'pre';
    else if (POST_EVENTS.has(event)) phase = 'post';
    else return { kind: 'ignore', why: `not a tool event (${event.slice(0, 40)})` };
  }
  const tool = str(raw, 'tool_name');
  if (tool === undefined) return { kind: 'failure', why: 'the hook input has no tool_name', phase, session: '' };
  if (!SHELL_TOOLS[agent].includes(tool)) return { kind: 'ignore', why: `not a shell tool (${tool.slice(0, 40)})` };
  // From here on it is a shell command: every missing or odd field fails closed.
  const session = str(raw, 'session_id');
  if (session === undefined || session === '' || session.length > MAX_ID)
    return { kind: 'failure', why: 'the hook input has no usable session_id', phase, session: '' };
  const cwd = str(raw, 'cwd');
  if (cwd === undefined || !isAbsolute(cwd)) return { kind: 'failure', why: 'the hook input has no absolute cwd', phase, session: '' };
  const toolInput = raw.tool_input;
  if (!isObj(toolInput)) return { kind: 'failure', why: `the ${tool} call has no tool_input object`, phase, session: '' };
  const line = commandLine(toolInput);
  if (line === null) return { kind: 'failure', why: `the ${tool} call's tool_input has no command string`, phase, session: '' };
  if (line.length > MAX_LINE) return { kind: 'failure', why: `the command is longer than ${MAX_LINE} characters`, phase, session: '' };
  const id = raw.tool_use_id;
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID))
    return { kind: 'failure', why: 'the hook input has an unusable tool_use_id', phase, session: '' };
  // Gemini runs the command in dir_path (relative to the project) when it is given.
  const dir = str(toolInput, 'dir_path') ?? str(toolInput, 'directory');
  return {
    kind: 'call',
    call: {
      phase,
      session: sessionId(session),
      cwd: dir ? resolve(cwd, dir) : cwd,
      line,
      toolUseId: id === undefined || id === '' ? undefined : sessionId(id),
      exit: phase === 'post' ? reportedExit(raw) : null,
      canAsk: agent === 'claude-code' && raw.permission_mode !== 'bypassPermissions',
    },
  };
}
