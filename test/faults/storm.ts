import { expect } from 'vitest';
import { loadConfig } from '../../daemon/config/load.js';
import { startDaemon, tempHome, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { auditMarkers, echoLine, prodShell, verifyChain, waitAllRecorded, type MarkerAudit } from './harness.js';
import type { VerifyResult } from '../../daemon/store/index.js';
import type { HookShell } from '../../cli/init.js';

// The kill -9 storm: N real production shells (bash and zsh alternating) type `echo n-<shell>-<i>`
// while the daemon is killed with SIGKILL and restarted. Lines typed while it is down go to the
// hook's spool; lines in flight at the kill are either committed (and acknowledged) or spooled;
// the store's (session, cmd, kind) key makes the overlap count once. Used by test/faults (short)
// and test/soak (long).

/** Slack on top of the hook timeout for a loaded 2-core machine (a correctness bound, not a perf target). */
export const LATENCY_MARGIN_MS = 3_000;

export interface StormOptions {
  shells: number;
  lines: number;
  /** Kill after this many lines were typed since the daemon (re)started (fast variant) ... */
  killAfterLines?: number;
  /** ... or this long after it (re)started (soak). */
  killEveryMs?: number;
  /** At most this many kills (default: no limit, until the shells are done). */
  maxKills?: number;
  /** How long the daemon stays dead after each kill (lines typed then are spooled). */
  downMs: number;
  /** Pause between a shell's lines (a person types; without it the lines outrun the restarts). */
  paceMs?: number;
  /** Shells used in turn (default bash, zsh). */
  mix?: HookShell[];
}

export interface StormResult {
  home: string;
  lines: number;
  kills: number;
  durationMs: number;
  hookTimeoutMs: number;
  maxLatencyMs: number;
  p99LatencyMs: number;
  /** Lines that reached the database through the spool. */
  spooled: number;
  audit: MarkerAudit;
  verify: VerifyResult;
  shellsAlive: number;
  daemon: TestDaemon;
}

/** What every storm must end with: the shells alive, each marker line recorded once with its
 * result, a chain that verifies, no line held past the hook timeout. */
export function expectNothingLost(r: StormResult, shells: number): void {
  expect(r.shellsAlive, 'shells still alive').toBe(shells);
  expect(r.audit, 'every marker line recorded exactly once, with its result').toEqual({ missing: [], duplicated: [], resultless: [] });
  expect(r.verify.ok, `chain verify: ${JSON.stringify(r.verify.problem)}`).toBe(true);
  expect(r.maxLatencyMs, `slowest line vs hook timeout ${r.hookTimeoutMs} ms`).toBeLessThan(r.hookTimeoutMs + LATENCY_MARGIN_MS);
}

export async function runKillStorm(o: StormOptions): Promise<StormResult> {
  const home = tempHome('prodguard-storm-');
  let d = await restart(home);
  const hookTimeoutMs = loadConfig(d.paths).daemon.hookTimeoutMs;
  const shells: ShellSession[] = [];
  const mix = o.mix ?? ['bash', 'zsh'];
  try {
    for (let k = 0; k < o.shells; k++) shells.push(await prodShell(mix[k % mix.length]!, home));
    const total = o.shells * o.lines;
    const markers: string[] = [];
    const latencies: number[] = [];
    let done = 0;
    let finished = false;
    const t0 = Date.now();

    const typist = async (sh: ShellSession, k: number): Promise<void> => {
      for (let i = 0; i < o.lines; i++) {
        const marker = `n-${k}-${i}`;
        markers.push(marker);
        latencies.push(await echoLine(sh, marker));
        done++;
        if (o.paceMs) await sleep(o.paceMs);
      }
    };

    let kills = 0;
    const killer = async (): Promise<void> => {
      while (kills < (o.maxKills ?? Infinity)) {
        const since = done;
        const until = Date.now() + (o.killEveryMs ?? Infinity);
        const due = (): boolean => (o.killAfterLines !== undefined ? done - since >= o.killAfterLines : Date.now() >= until);
        while (!finished && !due()) await sleep(20);
        if (finished) return;
        await d.kill('SIGKILL');
        kills++;
        await sleep(o.downMs);
        d = await restart(home);
      }
    };

    const typing = Promise.all(shells.map((sh, k) => typist(sh, k))).finally(() => (finished = true));
    await Promise.all([typing, killer()]);
    const durationMs = Date.now() - t0;

    const audit = await waitAllRecorded(d, markers);
    const spooled = d.rows<{ n: number }>("SELECT count(*) AS n FROM events WHERE kind = 'command' AND via = 'spool'")[0]!.n;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      home,
      lines: total,
      kills,
      durationMs,
      hookTimeoutMs,
      maxLatencyMs: sorted.at(-1) ?? 0,
      p99LatencyMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      spooled,
      audit: audit ?? auditMarkers(d.paths.dbFile, markers),
      verify: verifyChain(d.paths.dbFile),
      shellsAlive: shells.filter((s) => s.alive).length,
      daemon: d,
    };
  } catch (err) {
    await d.dispose();
    throw err;
  } finally {
    await Promise.all(shells.map((s) => s.close()));
  }
}

/**
 * Starts the daemon again on `home`. A start that fails is retried a few times: in the shared
 * checkout another engineer's rebuild of dist/ can leave it half-written for a moment (a module
 * import error, nothing to do with the fault under test); a real start failure fails every try.
 */
async function restart(home: string): Promise<TestDaemon> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDaemon({ home });
    } catch (err) {
      if (attempt >= 5) throw err;
      console.warn(`daemon restart ${attempt} failed, retrying: ${(err as Error).message.slice(0, 300)}`);
      await sleep(2_000);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
