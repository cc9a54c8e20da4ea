import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type AuditStore, type LogFilter } from '../../daemon/store/index.js';
import { ftsQuery } from '../../daemon/store/query.js';
import { SEED, T0, ev, label, tempDir } from './fixtures.js';

let store: AuditStore;
let cleanup: () => void;
beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = openStore(join(t.dir, 'audit.db'));
  store.appendMany(SEED);
});
afterAll(() => {
  store.close();
  cleanup();
});

const H = 3_600_000;
const q = (f: LogFilter) => store.query(f).map(label);

describe('log rows', () => {
  test('a command and its result are one row, newest first, results never on their own', () => {
    const rows = store.query({});
    expect(rows.map(label)).toEqual([
      'session-end',
      'echo "quoted, text"\nsecond line',
      'git push --force origin main',
      'psql -c "DROP TABLE users"',
      'kubectl delete ns prod',
      'rm -rf /var/www',
      'ls -la',
      'session-start',
    ]);
    const k = rows.find((r) => r.command === 'kubectl delete ns prod')!;
    expect(k).toMatchObject({
      exit: 1,
      durationMs: 4000,
      endTs: T0 - 24 * H + 4000,
      decision: 'confirmed',
      severity: 'high',
      rules: ['k8s.delete-ns'],
    });
    expect(rows.find((r) => r.command === 'rm -rf /var/www')).toMatchObject({ exit: null, endTs: null, matched: ['rm -rf /var/www'] });
  });

  test('--reverse: oldest first; --limit', () => {
    expect(q({ reverse: true, limit: 2 })).toEqual(['session-start', 'ls -la']);
    expect(q({ limit: 1 })).toEqual(['session-end']);
  });
});

describe('filters', () => {
  test.each<[string, LogFilter, string[]]>([
    [
      'since',
      { since: T0 - 2 * H },
      ['session-end', 'echo "quoted, text"\nsecond line', 'git push --force origin main', 'psql -c "DROP TABLE users"'],
    ],
    ['until (exclusive)', { until: T0 - 2 * 24 * H }, ['ls -la', 'session-start']],
    ['since + until', { since: T0 - 2 * 24 * H, until: T0 - H }, ['psql -c "DROP TABLE users"', 'kubectl delete ns prod', 'rm -rf /var/www']],
    ['user', { user: 'bob' }, ['session-end', 'echo "quoted, text"\nsecond line', 'git push --force origin main', 'psql -c "DROP TABLE users"']],
    ['host', { host: 'web1' }, ['kubectl delete ns prod', 'rm -rf /var/www', 'ls -la', 'session-start']],
    ['session', { session: 's1', limit: 2 }, ['kubectl delete ns prod', 'rm -rf /var/www']],
    ['cwd: the directory and below, not look-alikes', { cwd: '/srv/app' }, ['rm -rf /var/www', 'ls -la', 'session-start']],
    ['cwd with a trailing slash', { cwd: '/srv/app/' }, ['rm -rf /var/www', 'ls -la', 'session-start']],
    ['cwd /', { cwd: '/', user: 'alice', limit: 3 }, ['kubectl delete ns prod', 'rm -rf /var/www', 'ls -la']],
    ['severity minimum', { severity: 'high' }, ['psql -c "DROP TABLE users"', 'kubectl delete ns prod', 'rm -rf /var/www']],
    [
      'severity low = any severity',
      { severity: 'low' },
      ['echo "quoted, text"\nsecond line', 'git push --force origin main', 'psql -c "DROP TABLE users"', 'kubectl delete ns prod', 'rm -rf /var/www'],
    ],
    ['decision, several', { decision: ['blocked', 'cancelled'] }, ['git push --force origin main', 'rm -rf /var/www']],
    ['rule', { rule: 'git.push-main' }, ['git push --force origin main']],
    ['exit 0', { exit: 0 }, ['psql -c "DROP TABLE users"', 'ls -la']],
    ['exit 2', { exit: 2 }, ['echo "quoted, text"\nsecond line']],
    ['failed', { failed: true }, ['echo "quoted, text"\nsecond line', 'kubectl delete ns prod']],
    ['search one word', { search: 'kubectl' }, ['kubectl delete ns prod']],
    ['search: all words, any order, case-insensitive', { search: 'USERS drop' }, ['psql -c "DROP TABLE users"']],
    ['search with quotes and punctuation is plain text', { search: '"quoted, text"' }, ['echo "quoted, text"\nsecond line']],
    ['FTS5 operators in search text are words, not syntax', { search: 'quoted OR NEAR( * ^col:' }, []],
    ['search + other filters', { search: 'rm', user: 'alice' }, ['rm -rf /var/www']],
    ['search, no match', { search: 'terraform' }, []],
    ['afterSeq (follow)', { afterSeq: 9, reverse: true }, ['echo "quoted, text"\nsecond line', 'session-end']],
    ['filters combine', { user: 'bob', severity: 'medium', failed: false }, ['git push --force origin main', 'psql -c "DROP TABLE users"']],
  ])('%s', (_name, filter, expected) => {
    expect(q(filter)).toEqual(expected);
  });

  test('search text becomes quoted FTS5 phrases', () => {
    expect(ftsQuery('drop "x" table')).toBe('"drop" """x""" "table"');
    expect(ftsQuery('-- ;')).toBeNull();
  });
});

describe('stats', () => {
  test('counts per decision, severity, rule, user and day', () => {
    const s = store.stats();
    expect(s).toMatchObject({ commands: 6, sessions: 1, failed: 2 });
    expect(s.byDecision).toEqual([
      { key: 'allowed', count: 2 },
      { key: 'blocked', count: 1 },
      { key: 'cancelled', count: 1 },
      { key: 'confirmed', count: 1 },
      { key: 'dry-run', count: 1 },
    ]);
    expect(s.bySeverity.map((c) => c.key)).toEqual(['critical', 'high', 'medium', 'low']);
    expect(s.bySeverity.find((c) => c.key === 'high')!.count).toBe(2);
    expect(s.byRule).toContainEqual({ key: 'git.push-main', count: 1 });
    expect(s.byRule.length).toBe(5);
    expect(s.byUser).toEqual([
      { key: 'alice', count: 3 },
      { key: 'bob', count: 3 },
    ]);
    // Four days of activity plus none missing in between, totalling every command.
    expect(s.byDay.reduce((a, d) => a + d.count, 0)).toBe(6);
    expect(s.byDay.length).toBeGreaterThanOrEqual(4);
  });

  test('--since narrows every count', () => {
    const s = store.stats({ since: T0 - 2 * H });
    expect(s).toMatchObject({ commands: 3, failed: 1 });
    expect(s.byUser).toEqual([{ key: 'bob', count: 3 }]);
  });

  test('an empty window', () => {
    expect(store.stats({ since: T0 + 24 * H })).toMatchObject({ commands: 0, byDay: [], byDecision: [] });
  });
});

test('statements from wrapped clients show with their own decision', () => {
  const t = tempDir();
  const s = openStore(join(t.dir, 'a.db'));
  s.append(ev({ kind: 'statement', session: 'w1', cmd: 1, command: 'DROP TABLE t;', decision: 'blocked', severity: 'critical' }));
  expect(s.query({ decision: ['blocked'] }).map((r) => r.kind)).toEqual(['statement']);
  s.close();
  t.cleanup();
});
