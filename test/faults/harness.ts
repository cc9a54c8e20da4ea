import { readdirSync } from 'node:fs';
import { guardedShell } from '../hooks/harness.js';
import { queryDb, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { plain, type ShellSession } from '../helpers/pty.js';
import { openStore, type VerifyResult } from '../../daemon/store/index.js';
import type { HookShell } from '../../cli/init.js';

// Shared moves of the fault tests: real production shells typing marker lines, the spool drained,
// and the audit database checked for "every marker exactly once, chain intact".

export const PROD = { ENV: 'production' };

/** A guarded production shell (the hook `prodguard init` prints, autostart off: the test owns the daemon). */
export function prodShell(shell: HookShell, home: string): Promise<ShellSession> {
  return guardedShell(shell, { home, env: PROD });
}

/**
 * Types `echo <marker>` and resolves with the milliseconds until the shell printed the marker on
 * its own line and showed the next prompt. Event-driven on the pty's data (no polling of the whole
 * screen), so the figure is the shell's latency, hook included.
 */
export function echoLine(sh: ShellSession, marker: string, timeoutMs = 30_000): Promise<number> {
  const done = new RegExp(`(^|\\n)${marker}\\n[\\s\\S]*PG\\$ $`);
  return new Promise((resolve, reject) => {
    let buf = '';
    const t0 = performance.now();
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`shell ${sh.pid} did not finish "echo ${marker}" within ${timeoutMs} ms; output:\n${plain(buf).slice(-800)}`));
    }, timeoutMs);
    const sub = sh.pty.onData((d) => {
      buf += d;
      if (done.test(plain(buf))) {
        clearTimeout(timer);
        sub.dispose();
        resolve(performance.now() - t0);
      }
    });
    sh.line(`echo ${marker}`);
  });
}

/** Spool files not yet ingested (waiting or claimed mid-ingest). */
export function spoolLeft(spoolDir: string): string[] {
  try {
    return readdirSync(spoolDir).filter((f) => f.endsWith('.ndjson') || f.endsWith('.ingesting'));
  } catch {
    return [];
  }
}

export interface MarkerAudit {
  missing: string[];
  duplicated: string[];
  /** command rows without exactly one result row for the same (session, cmd) */
  resultless: string[];
}

/** Counts `echo <marker>` command rows (and their result rows) in the audit DB. */
export function auditMarkers(dbFile: string, markers: string[]): MarkerAudit {
  const rows = queryDb<{ command: string; n: number; results: number }>(
    dbFile,
    `SELECT c.command, count(*) AS n,
            (SELECT count(*) FROM events r WHERE r.kind = 'result' AND r.session = c.session AND r.cmd = c.cmd) AS results
       FROM events c WHERE c.kind = 'command' AND c.command LIKE 'echo %' GROUP BY c.command`,
  );
  const by = new Map(rows.map((r) => [r.command, r]));
  const out: MarkerAudit = { missing: [], duplicated: [], resultless: [] };
  for (const m of markers) {
    const r = by.get(`echo ${m}`);
    if (!r) out.missing.push(m);
    else if (r.n !== 1) out.duplicated.push(`${m} x${r.n}`);
    else if (r.results !== 1) out.resultless.push(`${m} (${r.results} results)`);
  }
  return out;
}

/** Waits until the spool is drained and every marker has landed (or throws with what is missing). */
export async function waitAllRecorded(d: TestDaemon, markers: string[], timeoutMs = 60_000): Promise<MarkerAudit> {
  let last: MarkerAudit | null = null;
  try {
    await waitFor(
      () => {
        if (spoolLeft(d.paths.spoolDir).length) return false;
        last = auditMarkers(d.paths.dbFile, markers);
        return last.missing.length === 0 && last.resultless.length === 0;
      },
      'every marker line and its result in the audit database, spool drained',
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; spool left: ${JSON.stringify(spoolLeft(d.paths.spoolDir))}; ${JSON.stringify(last && summary(last))}`,
    );
  }
  return auditMarkers(d.paths.dbFile, markers);
}

const summary = (a: MarkerAudit): object => ({
  missing: a.missing.length,
  duplicated: a.duplicated.length,
  resultless: a.resultless.length,
  firstMissing: a.missing.slice(0, 5),
  firstDuplicated: a.duplicated.slice(0, 5),
  firstResultless: a.resultless.slice(0, 5),
});

/** The chain check the CLI's `verify` runs, on a read-only handle. */
export function verifyChain(dbFile: string): VerifyResult {
  const store = openStore(dbFile, { readonly: true });
  try {
    return store.verify();
  } finally {
    store.close();
  }
}
