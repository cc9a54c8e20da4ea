import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CONFIRM_ALL, check } from './requests.js';

// Policy "dry run first", which the daemon applies (it needs the session's memory): the real
// line is refused until its dry run ran in the same session, then offered for confirmation.

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon({
    config: { ...CONFIRM_ALL, policy: { ...CONFIRM_ALL.policy, dryRunFirst: { enabled: true, minSeverity: 'high', minutes: 15 } } },
  });
});
afterAll(async () => {
  await d?.dispose();
});

// The program's own dry run counts (kubectl --dry-run=server); DRY_RUN=1 is no dry run for kubectl.
const DESTRUCTIVE = 'kubectl delete namespace payments';
const DRY = 'kubectl delete --dry-run=server namespace payments';

describe('dry run first', () => {
  it('refuses the real line until its dry run ran in the same session', async () => {
    const first = await d.request(check('drf-1', 1, DESTRUCTIVE));
    expect(first).toMatchObject({ verdict: 'block', phrase: '' });
    expect(String(first.message)).toContain(`\`${DRY}\``);
    expect(String(first.message)).not.toContain('DRY_RUN=1');

    // Another session's dry run does not count.
    expect(await d.request(check('drf-2', 1, DRY))).toMatchObject({ verdict: 'allow', dryRun: true });
    expect(await d.request(check('drf-1', 2, DESTRUCTIVE))).toMatchObject({ verdict: 'block' });

    expect(await d.request(check('drf-1', 3, DRY))).toMatchObject({ verdict: 'allow', dryRun: true });
    const after = await d.request(check('drf-1', 4, DESTRUCTIVE));
    expect(after).toMatchObject({ verdict: 'confirm' });
    expect(String(after.phrase).length).toBeGreaterThan(0);

    const rows = d.rows<{ cmd: number; decision: string }>("SELECT cmd, decision FROM events WHERE session = 'drf-1' ORDER BY cmd");
    expect(rows).toEqual([
      { cmd: 1, decision: 'blocked' },
      { cmd: 2, decision: 'blocked' },
      { cmd: 3, decision: 'dry-run' },
    ]);
  });
});
