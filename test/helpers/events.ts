import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../daemon/contract/events.js';

// Shared by the store and sinks tests: a temp directory per test and an audit event with sane
// defaults (alice in a production bash shell on web1), which each test overrides.

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const T0 = Date.parse('2026-03-10T12:00:00Z');

export function auditEvent(over: Partial<AuditEvent> = {}): AuditEvent {
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
