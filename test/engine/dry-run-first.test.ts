import { describe, expect, test } from 'vitest';
import { createEngine } from '../../daemon/engine/index.js';
import { DryRunFirst, programsOf } from '../../daemon/engine/verdict/dry-run-first.js';
import { config, PROD } from './helpers.js';

// Policy "dry run first" over the real engine: which earlier dry run counts for a line is decided
// by the programs the parser finds (after unwrapping), not by the line's first word.

const cfg = config({
  policy: {
    low: 'confirm',
    medium: 'confirm',
    high: 'confirm',
    critical: 'confirm',
    dryRunFirst: { enabled: true, minSeverity: 'low', minutes: 15 },
  },
});
const engine = createEngine(cfg, { hostname: 'db1' });
const T = 1_700_000_000_000;

/** The verdict for `line` in session `s` at time `at`, after noting it (as the handler does). */
function run(policy: DryRunFirst, s: string, line: string, at = T): string {
  const v = engine.evaluate({ line, env: PROD, cwd: '/srv' });
  policy.note(s, line, v, at);
  return policy.apply(cfg, s, line, v, at).verdict;
}

describe('dry run first (engine/verdict/dry-run-first.ts)', () => {
  test("programsOf names the parser's commands: wrappers, assignments and `cd x &&` peeled off", () => {
    expect(programsOf('sudo -u deploy env DRY_RUN=1 /usr/bin/terraform destroy')).toEqual(['terraform']);
    expect(programsOf('cd /srv/infra && terraform destroy -auto-approve')).toEqual(['cd', 'terraform']);
    expect(programsOf('$TF destroy')).toEqual([]);
  });

  test('a dry run of the same program counts, however the two lines are wrapped', () => {
    const p = new DryRunFirst();
    expect(run(p, 's1', 'cd /srv/infra && terraform destroy -auto-approve')).toBe('block');
    expect(run(p, 's1', 'sudo terraform plan -destroy', T + 1)).toBe('allow');
    expect(run(p, 's1', 'cd /srv/infra && terraform destroy -auto-approve', T + 2)).toBe('confirm');
  });

  test("another program's dry run, another session's, or an expired one does not count", () => {
    const p = new DryRunFirst();
    expect(run(p, 's1', 'kubectl delete namespace shop --dry-run=client')).toBe('allow');
    expect(run(p, 's2', 'terraform plan -destroy')).toBe('allow');
    expect(run(p, 's1', 'terraform destroy -auto-approve', T + 1)).toBe('block');
    expect(run(p, 's3', 'terraform plan -destroy', T)).toBe('allow');
    expect(run(p, 's3', 'terraform destroy -auto-approve', T + 16 * 60_000)).toBe('block');
  });
});
