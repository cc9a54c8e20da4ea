import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../daemon/paths.js';
import { startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { decision, finish, origin, session } from '../daemon/requests.js';
import { verifyChain } from './harness.js';

// The daemon was down for "an hour of lines": 30 production shells kept appending to their spool
// files (20,000 lines in all), a few lines are garbage, and one shell died mid-write (a
// half-written last line). On start the daemon ingests it all: every valid line exactly once, the
// bad ones counted and logged, no crash, within a bound.

const SHELLS = 30;
const COMMANDS_PER_SHELL = 333; // + session start = 1 + 2 x 333 = 667 lines a shell, 20,010 in all
/** An upper bound for the ingest (a hang detector, not a performance target: see npm run bench). */
const INGEST_BOUND_MS = 120_000;

let d: TestDaemon | null = null;
afterEach(async () => {
  await d?.dispose();
  d = null;
});

const spooled = (r: object): string => `${JSON.stringify({ ...r, via: 'spool' })}\n`;

describe('spool backlog from an hour without the daemon', () => {
  it('ingests 20,000 spooled lines from 30 shells exactly once, counting the bad ones', async () => {
    const home = tempHome();
    const paths = resolvePaths({ PRODGUARD_HOME: home });
    mkdirSync(paths.spoolDir, { recursive: true, mode: 0o700 });
    const t0 = Date.now() - 3_600_000;
    let valid = 0;
    let bad = 0;
    for (let s = 0; s < SHELLS; s++) {
      const id = `hour-${s}`;
      const o = { origin: { ...origin(id), pid: 10_000 + s } };
      const lines = [spooled(session(id, 'start', { ...o, ts: t0 }))];
      for (let c = 1; c <= COMMANDS_PER_SHELL; c++) {
        const ts = t0 + c * 10_000;
        lines.push(
          spooled(decision(id, c, `echo hour-${s}-${c}`, 'allowed', { ...o, ts })),
          spooled(finish(id, c, c % 7 === 0 ? 1 : 0, { ...o, ts: ts + 5 })),
        );
      }
      valid += lines.length;
      // Garbage in every fifth file: not JSON, a schema-invalid request, an oversized-looking line.
      if (s % 5 === 0) {
        lines.splice(100, 0, 'not json at all\n', '{"v":1,"op":"decision","cmd":-1}\n', `${'{'.repeat(10)}\n`);
        bad += 3;
      }
      // The last shell died mid-write.
      if (s === SHELLS - 1) {
        lines.push(spooled(decision(id, COMMANDS_PER_SHELL + 1, 'echo cut-short', 'allowed', o)).slice(0, 60));
        bad += 1;
      }
      writeFileSync(join(paths.spoolDir, `${id}.ndjson`), lines.join(''), { mode: 0o600 });
    }
    expect(valid).toBeGreaterThanOrEqual(20_000);

    const started = Date.now();
    d = await startDaemon({ home, timeoutMs: INGEST_BOUND_MS });
    await waitFor(() => readdirSync(paths.spoolDir).length === 0, 'the spool to be consumed', INGEST_BOUND_MS, 200);
    const ingestMs = Date.now() - started;

    const counts = d.rows<{ kind: string; n: number; sessions: number }>(
      "SELECT kind, count(*) AS n, count(DISTINCT session) AS sessions FROM events WHERE session LIKE 'hour-%' GROUP BY kind ORDER BY kind",
    );
    expect(counts).toEqual([
      { kind: 'command', n: SHELLS * COMMANDS_PER_SHELL, sessions: SHELLS },
      { kind: 'result', n: SHELLS * COMMANDS_PER_SHELL, sessions: SHELLS },
      { kind: 'session-start', n: SHELLS, sessions: SHELLS },
    ]);
    expect(d.rows("SELECT 1 FROM events WHERE command = 'echo cut-short'"), 'the half-written line is not guessed at').toEqual([]);
    expect(d.rows("SELECT 1 FROM events WHERE session LIKE 'hour-%' AND via != 'spool'")).toEqual([]);
    const failed = d.rows<{ n: number }>("SELECT count(*) AS n FROM events WHERE session LIKE 'hour-%' AND kind = 'result' AND exit = 1")[0]!.n;
    expect(failed).toBe(SHELLS * Math.floor(COMMANDS_PER_SHELL / 7));

    const h = await d.request({ op: 'health' });
    expect(h.spool, 'health counts the spool work').toMatchObject({ files: SHELLS, lines: valid + bad, invalid: bad, failed: 0 });
    expect(d.logs(), 'the skipped lines are logged').toContain('spool lines skipped: not valid requests');
    expect(d.proc.exitCode, 'no crash').toBeNull();
    const v = verifyChain(d.paths.dbFile);
    expect(v.ok, JSON.stringify(v.problem)).toBe(true);
    console.log(`spool backlog: ${valid + bad} lines (${bad} bad) from ${SHELLS} files ingested in ${ingestMs} ms (start included)`);
  });
});
