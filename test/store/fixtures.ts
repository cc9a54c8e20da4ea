import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../daemon/store/record.js';

// Shared helpers of the store tests: a temp directory per test and events with sane defaults.

export function tempDir(prefix = 'pg-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const T0 = Date.parse('2026-03-10T12:00:00Z');

export function ev(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'command',
    ts: T0,
    session: 's1',
    cmd: 1,
    user: 'alice',
    uid: 1000,
    host: 'web1',
    tty: '/dev/pts/1',
    shell: 'bash',
    pid: 4242,
    cwd: '/srv/app',
    env: 'production',
    signal: 'ENV=production',
    command: 'ls -la',
    rules: [],
    matched: [],
    severity: null,
    decision: 'allowed',
    exit: null,
    durationMs: null,
    via: 'live',
    ...over,
  };
}

/** The result event that finishes `cmd` of `session`. */
export function result(session: string, cmd: number, exit: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return ev({ kind: 'result', session, cmd, exit, durationMs: 12.5, command: null, decision: null, ts: T0 + 1000, ...over });
}
