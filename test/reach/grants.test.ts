import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../daemon/contract/verdict.js';
import { GRANT_TTL_MS, GrantBook } from '../../daemon/server/grants.js';

// The grant a confirmed shell line leaves for the `prodguard wrap` it launches: it covers only the
// rule/target pairs the user confirmed, once, for GRANT_TTL_MS. (The end-to-end use, a confirmed
// piped DROP that runs without a second question, is in wrap.test.ts.)

const verdict = (verdict: Verdict['verdict'], matches: [string, string | null][]): Verdict => ({
  verdict,
  severity: 'high',
  production: { active: true, signal: 'ENV', env: 'production' },
  disabled: false,
  dryRun: false,
  redacted: '',
  confirm: null,
  matches: matches.map(([rule, target]) => ({
    rule,
    domain: 'sql',
    severity: 'high',
    reason: '',
    target,
    confirm: target ?? '',
    alternative: '',
    command: '',
    dryRun: { form: null, check: null, advice: null, prefix: 'ignored' as const, prefixSet: false },
  })),
  allowlisted: null,
  problems: [],
});

describe('GrantBook', () => {
  it('covers the confirmed rule and target once, for that (session, cmd) only', () => {
    let now = 1_000;
    const g = new GrantBook(() => now);
    g.confirmed('s1', 7, verdict('confirm', [['sql.drop-table', 'invoices']]));
    expect(g.redeem('s1', 8, verdict('confirm', [['sql.drop-table', 'invoices']]))).toBe(false);
    expect(g.redeem('s2', 7, verdict('confirm', [['sql.drop-table', 'invoices']]))).toBe(false);
    expect(g.redeem('s1', 7, verdict('confirm', [['sql.drop-table', 'users']]))).toBe(false);
    expect(
      g.redeem(
        's1',
        7,
        verdict('confirm', [
          ['sql.drop-table', 'invoices'],
          ['sql.truncate', 'users'],
        ]),
      ),
    ).toBe(false);
    // an allowed check does not use it up
    expect(g.redeem('s1', 7, verdict('allow', []))).toBe(false);
    expect(g.redeem('s1', 7, verdict('confirm', [['sql.drop-table', 'INVOICES']]))).toBe(true);
    expect(g.redeem('s1', 7, verdict('confirm', [['sql.drop-table', 'invoices']]))).toBe(false);
    g.confirmed('s1', 9, verdict('confirm', [['sql.drop-table', 'invoices']]));
    now += GRANT_TTL_MS + 1;
    expect(g.redeem('s1', 9, verdict('confirm', [['sql.drop-table', 'invoices']]))).toBe(false);
  });

  it('keeps a bounded number of grants (the oldest go first)', () => {
    const g = new GrantBook(() => 0);
    for (let i = 0; i < 300; i++) g.confirmed('s', i, verdict('confirm', [['r', 't']]));
    expect(g.redeem('s', 0, verdict('confirm', [['r', 't']]))).toBe(false);
    expect(g.redeem('s', 299, verdict('confirm', [['r', 't']]))).toBe(true);
  });
});
