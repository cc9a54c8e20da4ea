import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATENCY_MARGIN_MS, runKillStorm } from './storm.js';

// Short variant of test/soak/kill9.test.ts (npm test): 4 shells x 30 lines, 2 kill -9.

describe('kill -9 of the daemon under real shells', () => {
  it('records every line exactly once, the chain verifies, no shell hangs', async () => {
    const r = await runKillStorm({ shells: 4, lines: 30, killAfterLines: 20, maxKills: 2, downMs: 400, paceMs: 150 });
    try {
      console.log(`kill9 short: ${r.lines} lines, ${r.kills} kills, ${r.spooled} via spool, max ${r.maxLatencyMs.toFixed(0)} ms, p99 ${r.p99LatencyMs.toFixed(0)} ms, ${r.durationMs} ms`);
      expect(r.kills, 'kills done').toBe(2);
      expect(r.shellsAlive, 'shells still alive').toBe(4);
      expect(r.audit, 'every marker line recorded exactly once, with its result').toEqual({ missing: [], duplicated: [], resultless: [] });
      expect(r.verify.ok, `chain verify: ${JSON.stringify(r.verify.problem)}`).toBe(true);
      expect(r.maxLatencyMs, `slowest line vs hook timeout ${r.hookTimeoutMs} ms`).toBeLessThan(r.hookTimeoutMs + LATENCY_MARGIN_MS);
    } finally {
      await r.daemon.stop();
      rmSync(r.home, { recursive: true, force: true });
    }
  });
});
