import type { AuditEvent } from '../../daemon/contract/events.js';
import { auditEvent, T0, tempDir as makeTempDir } from '../helpers/events.js';

// Shared helpers of the store tests: a temp directory per test and events with sane defaults.

export { T0 };

export function tempDir(prefix = 'pg-store-'): { dir: string; cleanup: () => void } {
  return makeTempDir(prefix);
}

export const ev = auditEvent;

/** The result event that finishes `cmd` of `session`. */
export function result(session: string, cmd: number, exit: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return ev({ kind: 'result', session, cmd, exit, durationMs: 12.5, command: null, decision: null, ts: T0 + 1000, ...over });
}

const H = 3_600_000;
const D = 24 * H;

/**
 * A small audit trail covering every filter: two users on two hosts in two sessions, nested and
 * look-alike directories, every severity, several decisions and rules, exits 0/1/2 and none.
 */
export const SEED: AuditEvent[] = [
  ev({ kind: 'session-start', cmd: null, command: null, decision: null, ts: T0 - 3 * D - 60_000 }),
  ev({ cmd: 1, ts: T0 - 3 * D, command: 'ls -la' }),
  result('s1', 1, 0, { ts: T0 - 3 * D + 100 }),
  ev({
    cmd: 2,
    ts: T0 - 2 * D,
    cwd: '/srv/app/sub',
    command: 'rm -rf /var/www',
    rules: ['fs.rm-rf'],
    matched: ['rm -rf /var/www'],
    severity: 'critical',
    decision: 'blocked',
  }),
  ev({ cmd: 3, ts: T0 - D, cwd: '/srv/apple', command: 'kubectl delete ns prod', rules: ['k8s.delete-ns'], severity: 'high', decision: 'confirmed' }),
  result('s1', 3, 1, { ts: T0 - D + 4000, durationMs: 4000 }),
  ev({
    session: 's2',
    cmd: 1,
    user: 'bob',
    host: 'db1',
    cwd: '/home/bob',
    ts: T0 - 2 * H,
    command: 'psql -c "DROP TABLE users"',
    rules: ['sql.drop-table'],
    severity: 'high',
    decision: 'dry-run',
  }),
  result('s2', 1, 0, { ts: T0 - 2 * H + 50, user: 'bob', host: 'db1' }),
  ev({
    session: 's2',
    cmd: 2,
    user: 'bob',
    host: 'db1',
    cwd: '/home/bob',
    ts: T0 - H,
    command: 'git push --force origin main',
    rules: ['git.force-push', 'git.push-main'],
    severity: 'medium',
    decision: 'cancelled',
  }),
  ev({
    session: 's2',
    cmd: 3,
    user: 'bob',
    host: 'db1',
    cwd: '/home/bob',
    ts: T0,
    command: 'echo "quoted, text"\nsecond line',
    severity: 'low',
    decision: 'allowed',
  }),
  result('s2', 3, 2, { ts: T0 + 10, user: 'bob', host: 'db1' }),
  ev({ session: 's2', kind: 'session-end', cmd: null, user: 'bob', host: 'db1', cwd: '/home/bob', command: null, decision: null, ts: T0 + 60_000 }),
];

/** What identifies a log row in assertions: its command, or its kind for session rows. */
export const label = (r: { command: string | null; kind: string }): string => r.command ?? r.kind;
