import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../daemon/paths.js';
import { startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { DESTRUCTIVE, decision, finish, session } from './requests.js';

// Spool ingestion: what hooks wrote while the daemon was down arrives exactly once.

const live: TestDaemon[] = [];
afterEach(async () => {
  for (const d of live.splice(0)) await d.dispose();
});

const spooled = (r: object): string => `${JSON.stringify({ ...r, via: 'spool' })}\n`;

describe('spool ingestion', () => {
  it('ingests spool files on start, exactly once, skipping invalid lines', async () => {
    const home = tempHome();
    const paths = resolvePaths({ PRODGUARD_HOME: home });
    mkdirSync(paths.spoolDir, { recursive: true, mode: 0o700 });
    const lines = [
      spooled(session('sp-1', 'start')),
      spooled(decision('sp-1', 1, 'ls -la', 'allowed')),
      spooled(finish('sp-1', 1, 0)),
      spooled(decision('sp-1', 1, 'ls -la', 'allowed')), // duplicate line
      'this is not json\n',
      '{"v":1,"op":"finish"}\n', // schema-invalid
      spooled(decision('sp-1', 2, DESTRUCTIVE, 'cancelled')),
      spooled(finish('sp-1', 1, 0)), // duplicate again
      '{"v":1,"op":"decision","origin":{"ses', // a write cut short by a crash
    ];
    writeFileSync(join(paths.spoolDir, 'sp-1.ndjson'), lines.join(''), { mode: 0o600 });
    // The same lines in a second file (a replay) add nothing either.
    writeFileSync(join(paths.spoolDir, 'sp-1b.ndjson'), lines.slice(0, 3).join(''), { mode: 0o600 });

    const d = await startDaemon({ home });
    live.push(d);
    await waitFor(() => readdirSync(paths.spoolDir).length === 0, 'the spool files to be consumed');
    const rows = d.rows<{ kind: string; cmd: number | null; decision: string | null; via: string }>(
      "SELECT kind, cmd, decision, via FROM events WHERE session = 'sp-1' ORDER BY seq",
    );
    expect(rows).toEqual([
      { kind: 'session-start', cmd: null, decision: null, via: 'spool' },
      { kind: 'command', cmd: 1, decision: 'allowed', via: 'spool' },
      { kind: 'result', cmd: 1, decision: null, via: 'spool' },
      { kind: 'command', cmd: 2, decision: 'cancelled', via: 'spool' },
    ]);
    const h = await d.request({ op: 'health' });
    expect(h.spool).toMatchObject({ invalid: 3 });
  });

  it('picks up spool written while it runs, and a file renamed mid-ingest is not lost', async () => {
    const d = await startDaemon();
    live.push(d);
    const file = join(d.paths.spoolDir, 'sp-2.ndjson');
    for (let i = 1; i <= 50; i++) appendFileSync(file, spooled(decision('sp-2', i, `echo ${i}`, 'allowed')), { mode: 0o600 });
    await waitFor(() => d.rows("SELECT 1 FROM events WHERE session = 'sp-2'").length === 50, 'the running daemon to ingest the spool', 10_000);
    // A shell appending after the rename starts a fresh file, which the next round takes.
    for (let i = 51; i <= 60; i++) appendFileSync(file, spooled(decision('sp-2', i, `echo ${i}`, 'allowed')), { mode: 0o600 });
    await waitFor(() => d.rows("SELECT 1 FROM events WHERE session = 'sp-2'").length === 60, 'the second batch', 10_000);
    await waitFor(() => !existsSync(file) && readdirSync(d.paths.spoolDir).length === 0, 'the spool dir to empty');
    rmSync(file, { force: true });
  });
});
