import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectNothingLost, runKillStorm } from './storm.js';

// Short variant of test/soak/kill9.test.ts (npm test): 4 shells x 30 lines, 2 kill -9.

describe('kill -9 of the daemon under real shells', () => {
  it('records every line exactly once, the chain verifies, no shell hangs', async () => {
    const r = await runKillStorm({ shells: 4, lines: 30, killAfterLines: 20, maxKills: 2, downMs: 400, paceMs: 150 });
    try {
      console.log(
        `kill9 short: ${r.lines} lines, ${r.kills} kills, ${r.spooled} via spool, max ${r.maxLatencyMs.toFixed(0)} ms, p99 ${r.p99LatencyMs.toFixed(0)} ms, ${r.durationMs} ms`,
      );
      expect(r.kills, 'kills done').toBe(2);
      expectNothingLost(r, 4);
    } finally {
      await r.daemon.stop();
      rmSync(r.home, { recursive: true, force: true });
    }
  });
});
