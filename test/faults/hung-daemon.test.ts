import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../daemon/config/load.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { echoLine, prodShell, waitAllRecorded } from './harness.js';

// A daemon that accepts connections but never answers (SIGSTOP: the kernel still completes the
// TCP and unix handshakes from the listen backlog). The hook must not hang the shell: each of a
// line's requests (check, fallback decision, finish) gives up after hookTimeoutMs, the record is
// spooled, and everything lands once the daemon runs again.

const REQUESTS_PER_LINE = 3;
const MARGIN_MS = 3_000;

let d: TestDaemon | null = null;
const shells: ShellSession[] = [];
afterEach(async () => {
  await Promise.all(shells.splice(0).map((s) => s.close()));
  d?.proc.kill('SIGCONT');
  await d?.dispose();
  d = null;
});

describe('hung daemon (SIGSTOP)', () => {
  it.each(['bash', 'zsh'] as const)('%s: every line finishes within 3 x the hook timeout, and nothing is lost', async (shell) => {
    d = await startDaemon({ config: { daemon: { hookTimeoutMs: 1_000 } } });
    const hookTimeoutMs = loadConfig(d.paths).daemon.hookTimeoutMs;
    const sh = await prodShell(shell, d.home);
    shells.push(sh);
    await echoLine(sh, `hung-${shell}-0`);
    await d.kill('SIGSTOP');
    const latencies: number[] = [];
    for (const i of [1, 2]) latencies.push(await echoLine(sh, `hung-${shell}-${i}`));
    await d.kill('SIGCONT');
    console.log(`hung daemon, ${shell}: lines took ${latencies.map((l) => l.toFixed(0)).join(', ')} ms (hook timeout ${hookTimeoutMs} ms)`);
    expect(Math.max(...latencies), `a line against a stopped daemon vs ${REQUESTS_PER_LINE} x hook timeout`).toBeLessThan(
      REQUESTS_PER_LINE * hookTimeoutMs + MARGIN_MS,
    );
    const audit = await waitAllRecorded(
      d,
      [0, 1, 2].map((i) => `hung-${shell}-${i}`),
      30_000,
    );
    expect(audit.duplicated).toEqual([]);
  });
});
