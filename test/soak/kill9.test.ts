import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectNothingLost, runKillStorm } from '../faults/storm.js';

// The long kill -9 soak (npm run test:soak): 20 real shells, bash and zsh alternating, in
// production with the hook, type `echo n-<shell>-<i>` while the daemon is killed with SIGKILL
// every 3 s and restarted half a second later. test/faults/kill9.test.ts is its short variant.

const SHELLS = Number(process.env.PG_SOAK_SHELLS ?? 20);
const LINES = Number(process.env.PG_SOAK_LINES ?? 600);

describe('soak: kill -9 every 3 s under 20 real shells, 600 lines each', () => {
  it('records every line exactly once, the chain verifies, no shell hangs past the hook timeout', async () => {
    const r = await runKillStorm({ shells: SHELLS, lines: LINES, killEveryMs: 3_000, downMs: 500, paceMs: 100 });
    try {
      console.log(
        `kill9 soak: ${SHELLS} shells, ${r.lines} lines in ${(r.durationMs / 1000).toFixed(1)} s, ${r.kills} kills, ` +
          `${r.spooled} via spool, hook latency max ${r.maxLatencyMs.toFixed(0)} ms / p99 ${r.p99LatencyMs.toFixed(0)} ms (hook timeout ${r.hookTimeoutMs} ms)`,
      );
      expect(r.kills, 'the daemon was killed repeatedly').toBeGreaterThanOrEqual(3);
      expectNothingLost(r, SHELLS);
    } finally {
      await r.daemon.stop();
      rmSync(r.home, { recursive: true, force: true });
    }
  });
});
