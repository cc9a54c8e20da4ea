// Request builders shared by the daemon tests: one production shell's requests.

export const PROD_ENV = { ENV: 'production' };

export function origin(session: string, shell: 'bash' | 'zsh' | 'wrap' | 'cli' = 'zsh') {
  return { session, shell, pid: 4242, tty: '/dev/pts/9', user: 'alice', host: 'db1' };
}

export function check(session: string, cmd: number, line: string, extra: Record<string, unknown> = {}) {
  return { v: 1, op: 'check', origin: origin(session), cmd, line, cwd: '/srv', env: PROD_ENV, ts: 1_700_000_000_000 + cmd, ...extra };
}

export function decision(session: string, cmd: number, line: string, decision: string, extra: Record<string, unknown> = {}) {
  return { ...check(session, cmd, line), op: 'decision', decision, ...extra };
}

export function finish(session: string, cmd: number, exit = 0, extra: Record<string, unknown> = {}) {
  return { v: 1, op: 'finish', origin: origin(session), cmd, exit, durationMs: 12.5, ts: 1_700_000_000_500 + cmd, ...extra };
}

export function session(id: string, event: 'start' | 'end' | 'disabled', extra: Record<string, unknown> = {}) {
  return { v: 1, op: 'session', origin: origin(id), event, env: PROD_ENV, cwd: '/srv', ts: 1_700_000_000_000, ...extra };
}

/**
 * A custom rule of our own (`wipe PATH`) so these tests do not depend on the catalog's rules or
 * severities; the policy decides confirm or block for every severity.
 */
const WIPE_RULE = {
  id: 'test.wipe',
  domain: 'test',
  severity: 'high',
  reason: 'wipes a directory',
  match: { command: ['wipe'] },
  target: { from: 'lastArg', kind: 'path' },
  alternative: 'wipe --list PATH',
};
const rules = { custom: [WIPE_RULE] };
export const DESTRUCTIVE = 'wipe /srv/data';
export const CONFIRM_ALL = { rules, policy: { low: 'confirm', medium: 'confirm', high: 'confirm', critical: 'confirm' } };
export const BLOCK_ALL = { rules, policy: { low: 'block', medium: 'block', high: 'block', critical: 'block' } };
