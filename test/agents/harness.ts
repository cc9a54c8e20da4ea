import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cliMain, homeEnv, repoRoot } from '../helpers/daemon.js';

// Runs the real agent hook as an agent does: a process per tool call, the agent's JSON on stdin,
// the answer read from stdout and the exit status. Two entries: bin/prodguard-hook (the bash
// script `prodguard init` installs) and `prodguard hook` (the Node entry, bin/prodguard).

export const hookScript = join(repoRoot, 'bin', 'prodguard-hook');
export const launcher = join(repoRoot, 'bin', 'prodguard');
export type Entry = 'script' | 'node';
export type AgentName = 'claude-code' | 'codex' | 'gemini';

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, or null when it is empty. */
  json: Record<string, unknown> | null;
}

export function runHook(
  entry: Entry,
  agent: AgentName,
  input: string,
  opts: { home: string; env?: Record<string, string>; args?: string[] },
): Promise<HookRun> {
  const [file, args] =
    entry === 'script' ? [hookScript, [agent, ...(opts.args ?? [])]] : [process.execPath, [launcher, 'hook', agent, ...(opts.args ?? [])]];
  const env = { ...homeEnv(opts.home), PRODGUARD_NODE: process.execPath, ...opts.env };
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr, json: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : null }));
    p.stdin.end(input);
  });
}

/** The JSON each agent sends before a shell tool call (design notes, "Agent hooks"). */
export function preInput(agent: AgentName, command: string, o: { session: string; cwd: string; id?: string }): string {
  switch (agent) {
    case 'claude-code':
      return JSON.stringify({
        session_id: o.session,
        transcript_path: `/tmp/${o.session}.jsonl`,
        cwd: o.cwd,
        permission_mode: 'default',
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command, description: 'run it' },
        tool_use_id: o.id ?? `toolu_${Math.random().toString(36).slice(2)}`,
      });
    case 'codex':
      return JSON.stringify({
        session_id: o.session,
        transcript_path: null,
        cwd: o.cwd,
        hook_event_name: 'PreToolUse',
        model: 'gpt-5-codex',
        turn_id: 'turn-1',
        tool_name: 'Bash',
        tool_input: { command },
        tool_use_id: o.id ?? `call_${Math.random().toString(36).slice(2)}`,
      });
    case 'gemini':
      return JSON.stringify({
        session_id: o.session,
        transcript_path: `/tmp/${o.session}.json`,
        cwd: o.cwd,
        hook_event_name: 'BeforeTool',
        timestamp: new Date().toISOString(),
        tool_name: 'run_shell_command',
        tool_input: { command, description: 'run it' },
      });
  }
}

/** The agent's post-tool event with the exit status it reports. */
export function postInput(agent: AgentName, command: string, exit: number, o: { session: string; cwd: string; id?: string }): string {
  const pre = JSON.parse(preInput(agent, command, o)) as Record<string, unknown>;
  if (agent === 'gemini')
    return JSON.stringify({
      ...pre,
      hook_event_name: 'AfterTool',
      tool_response: { llmContent: `Command: ${command}\nExit Code: ${exit}`, returnDisplay: '' },
    });
  return JSON.stringify({ ...pre, hook_event_name: 'PostToolUse', tool_response: { stdout: '', stderr: '', exit_code: exit, interrupted: false } });
}

/** What the agent would do with the answer: 'pass' (no output), 'ask' or 'deny', and the reason. */
export function decisionOf(agent: AgentName, r: HookRun): { decision: 'pass' | 'ask' | 'deny' | 'invalid'; reason: string } {
  if (r.code !== 0) return { decision: 'invalid', reason: `exit ${r.code}: ${r.stderr}` };
  if (r.json === null) return { decision: 'pass', reason: '' };
  if (agent === 'gemini') {
    const keys = Object.keys(r.json).sort().join(',');
    return r.json.decision === 'deny' && keys === 'decision,reason'
      ? { decision: 'deny', reason: String(r.json.reason) }
      : { decision: 'invalid', reason: r.stdout };
  }
  const out = r.json.hookSpecificOutput as Record<string, unknown> | undefined;
  if (Object.keys(r.json).join(',') !== 'hookSpecificOutput' || !out || out.hookEventName !== 'PreToolUse')
    return { decision: 'invalid', reason: r.stdout };
  if (Object.keys(out).sort().join(',') !== 'hookEventName,permissionDecision,permissionDecisionReason')
    return { decision: 'invalid', reason: r.stdout };
  const d = out.permissionDecision;
  // Codex fails open on "ask": only deny counts there.
  if (d === 'deny' || (d === 'ask' && agent === 'claude-code')) return { decision: d, reason: String(out.permissionDecisionReason) };
  return { decision: 'invalid', reason: r.stdout };
}

export { cliMain };
