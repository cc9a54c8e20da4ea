import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliMain, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { CONFIRM_PROMPT, REFUSED, spawnWrap, WRAP_CONFIG, wrapHome } from './harness.js';

// `prodguard wrap sqlite3` end to end: the real sqlite3 shell behind the real CLI under a pty.

const PROMPT = /sqlite> $/;

let work: string;
let db: string;
let home: string;
let wrap: ShellSession | null = null;

const tables = (): string => execFileSync('sqlite3', [db, '.tables'], { encoding: 'utf8' }).trim();

async function open(): Promise<ShellSession> {
  wrap = await spawnWrap(['sqlite3', db], { home });
  await wrap.waitFor(PROMPT);
  return wrap;
}

/** Answers the confirmation prompt wrongly: refused, and back at a clean primary prompt. */
async function refuse(s: ShellSession, answer = 'no'): Promise<string> {
  const since = s.mark();
  s.line(answer);
  await s.waitFor(REFUSED, { since });
  await s.waitFor(PROMPT, { since });
  return s.text().slice(since);
}

/** Types a line and waits for the next primary prompt (or `until`). */
async function type(s: ShellSession, line: string, until: RegExp = PROMPT): Promise<string> {
  const since = s.mark();
  s.line(line);
  await s.waitFor(until, { since });
  return s.text().slice(since);
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pg-wrap-sqlite-'));
  db = join(work, 'app.db');
  execFileSync('sqlite3', [db, 'CREATE TABLE t(a); CREATE TABLE keep(a); INSERT INTO t VALUES (1),(2);']);
  home = wrapHome();
});

afterEach(async () => {
  await wrap?.close();
  wrap = null;
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('wrap sqlite3 in production', () => {
  it('passes a benign SELECT through with no prompt', async () => {
    const s = await open();
    const out = await type(s, 'SELECT count(*) FROM t;');
    expect(out).toMatch(/\n2\n/);
    expect(out).not.toMatch(/prodguard/);
  });

  it('refuses DROP TABLE on a wrong phrase: t stays, the client is left at a clean prompt', async () => {
    const s = await open();
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await refuse(s, 'nope');
    expect(tables()).toMatch(/\bt\b/);
    // Nothing of the refused statement is left in the client's buffer.
    const out = await type(s, 'SELECT 40 + 2;');
    expect(out).toMatch(/\n42\n/);
    expect(out).not.toMatch(/error/i);
  });

  it('refuses on Ctrl-C at the confirmation prompt', async () => {
    const s = await open();
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    const since = s.mark();
    s.write('\x03');
    await s.waitFor(REFUSED, { since });
    await s.waitFor(PROMPT, { since });
    expect(tables()).toMatch(/\bt\b/);
  });

  it('sends DROP TABLE when the phrase is typed: t is dropped', async () => {
    const s = await open();
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await type(s, 't');
    await waitFor(() => !/\bt\b/.test(tables()), 'table t dropped');
    expect(tables()).toBe('keep');
  });

  it('guards a statement split over lines as one, and clears the whole buffer on refusal', async () => {
    const s = await open();
    await type(s, 'DROP', /\.\.\.> $/);
    await type(s, 'TABLE t', /\.\.\.> $/);
    const out = await type(s, ';', CONFIRM_PROMPT('t'));
    expect(out).toMatch(/DROP\s+TABLE t/);
    await refuse(s, 'wrong');
    expect(tables()).toMatch(/\bt\b/);
    const after = await type(s, 'SELECT 7;');
    expect(after).toMatch(/\n7\n/);
  });

  it('guards a statement recalled from history (read back from the screen)', async () => {
    const s = await open();
    // A confirmed statement goes into readline's history (a refused one is erased, never accepted).
    await type(s, 'DROP TABLE IF EXISTS gone;', CONFIRM_PROMPT('gone'));
    await type(s, 'gone');
    // Up-arrow recalls it: the typed keys say nothing about the line, the client's echo does.
    const since = s.mark();
    s.write('\x1b[A');
    await s.waitFor(/DROP TABLE IF EXISTS gone;/, { since });
    s.write('\r');
    await s.waitFor(CONFIRM_PROMPT('gone'), { since });
    await refuse(s);
    // Recall, then edit the recalled line into another statement: still read from the screen.
    const since2 = s.mark();
    s.write('\x1b[A');
    await s.waitFor(/gone;/, { since: since2 });
    s.write('\b\b\b\b\bt;\r');
    await s.waitFor(CONFIRM_PROMPT('t'), { since: since2 });
    await refuse(s);
    expect(tables()).toMatch(/\bt\b/);
  });

  it('guards a line that survived a Ctrl-C in readline', async () => {
    const s = await open();
    const since = s.mark();
    s.write('DROP TABLE t');
    await s.waitFor(/DROP TABLE t/, { since });
    s.write('\x03');
    await s.waitFor(/\^C/, { since });
    s.write(';\r');
    await s.waitFor(CONFIRM_PROMPT('t'), { since });
    await refuse(s);
    expect(tables()).toMatch(/\bt\b/);
  });

  it('guards shell commands run by the client (.shell) as shell lines', async () => {
    const s = await open();
    const marker = join(work, 'marker');
    const out = await type(s, `.shell touch ${marker}`);
    expect(out).not.toMatch(/prodguard/);
    await waitFor(() => existsSync(marker), 'marker created by .shell');
  });

  it('guards type-ahead: a pasted SELECT runs, the DROP after it in the same chunk asks', async () => {
    const s = await open();
    const since = s.mark();
    s.write('SELECT 5 * 5;\rDROP TABLE t;\r');
    await s.waitFor(CONFIRM_PROMPT('t'), { since });
    expect(s.text().slice(since)).toMatch(/\n25\n/);
    await refuse(s);
    expect(tables()).toMatch(/\bt\b/);
  });

  it('guards a bracketed paste holding several lines as the one input readline returns', async () => {
    const s = await open();
    const since = s.mark();
    s.write('\x1b[200~DROP\rTABLE t;\x1b[201~');
    await s.waitFor(/TABLE t;/, { since });
    s.write('\r');
    await s.waitFor(CONFIRM_PROMPT('t'), { since });
    await refuse(s);
    expect(tables()).toMatch(/\bt\b/);
  });

  it('never sends a blocked statement, and does not ask', async () => {
    rmSync(home, { recursive: true, force: true });
    const rule = { ...WRAP_CONFIG.rules.custom[0]!, action: 'block' };
    home = wrapHome({ ...WRAP_CONFIG, rules: { custom: [rule], disabled: ['sql.drop-table'] } });
    const s = await open();
    const out = await type(s, 'DROP TABLE t;', REFUSED);
    expect(out).toMatch(/BLOCKED/);
    expect(out).not.toMatch(/to send it/);
    await s.waitFor(PROMPT, { since: s.mark() - 'sqlite> '.length });
    expect(tables()).toMatch(/\bt\b/);
  });

  it('passes window resizes to the client', async () => {
    const s = await open();
    await type(s, '.shell stty size', /40 120[\s\S]*sqlite> $/);
    s.pty.resize(100, 30);
    await type(s, '.shell stty size', /30 100/);
  });

  it('with piped input and no terminal at all: the whole input is judged first; a confirm statement refuses all of it, benign input runs untouched', () => {
    // setsid: no controlling terminal, so /dev/tty cannot be opened (as under cron or CI).
    const run = (input: string) =>
      spawnSync('setsid', [process.execPath, cliMain, 'wrap', 'sqlite3', db], {
        input,
        env: { PATH: process.env.PATH, HOME: work, PRODGUARD_HOME: home, PRODGUARD_ENV: 'production', NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const refused = run('SELECT 6 * 7;\nDROP TABLE t;\nSELECT 8;\n');
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^prodguard: refused \(sql\.drop-table: DROP TABLE t\): .*no terminal to confirm on.*\n$/);
    expect(tables()).toMatch(/\bt\b/);
    const benign = run('SELECT 6 * 7;\nSELECT 8;\n');
    expect(benign).toMatchObject({ status: 0, stdout: '42\n8\n', stderr: '' });
  });

  it('leaves a pager alone: an Enter inside less (alternate screen) is not a statement', async () => {
    const s = await open();
    const file = join(work, 'notes.txt');
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => `line ${i} DROP TABLE t;`).join('\n'));
    let since = s.mark();
    s.line(`.shell less ${file}`);
    await s.waitFor(/line 5 DROP/, { since });
    // Keys that would be a statement at the prompt are pager commands here.
    since = s.mark();
    s.write('DROP TABLE t;\r');
    await s.waitFor(/line \d+ DROP/, { since });
    s.write('q');
    await s.waitFor(PROMPT, { since });
    expect(s.text().slice(since)).not.toMatch(/to send it/);
    // Back at the prompt the guard is on again.
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await refuse(s);
    expect(tables()).toMatch(/\bt\b/);
  });

  it("returns the client's exit code", async () => {
    const s = await open();
    s.line('.exit 3');
    expect((await s.exited).exitCode).toBe(3);
  });

  it('passes Ctrl-D through: sqlite3 ends on EOF at an empty prompt', async () => {
    const s = await open();
    s.write('\x04');
    expect((await s.exited).exitCode).toBe(0);
  });

  it('records statements in the spool when the daemon is down', async () => {
    const s = await open();
    await type(s, 'SELECT 1;');
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await refuse(s);
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await type(s, 't');
    s.line('.exit');
    await s.exited;
    const dir = join(home, 'spool');
    const lines = readdirSync(dir)
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const decisions = lines.filter((l) => l.op === 'decision').map((l) => [l.line, l.decision, (l.statement as { client: string }).client, l.via]);
    expect(decisions).toEqual([
      ['SELECT 1', 'allowed', 'sqlite3', 'spool'],
      ['DROP TABLE t', 'cancelled', 'sqlite3', 'spool'],
      ['DROP TABLE t', 'confirmed', 'sqlite3', 'spool'],
    ]);
    expect(lines.filter((l) => l.op === 'session').map((l) => l.event)).toEqual(['start', 'end']);
  });
});

describe('wrap sqlite3 with the daemon running', () => {
  let daemon: TestDaemon | null = null;
  afterEach(async () => {
    await daemon?.dispose();
    daemon = null;
  });

  it('records each statement with its decision in the audit trail, in the parent session', async () => {
    daemon = await startDaemon({ config: WRAP_CONFIG });
    wrap = await spawnWrap(['sqlite3', db], { home: daemon.home, env: { PRODGUARD_SESSION: 'shell-abc' } });
    const s = wrap;
    await s.waitFor(PROMPT);
    await type(s, 'SELECT 1;');
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await refuse(s);
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await type(s, 't');
    const rows = await waitFor(() => {
      const r = daemon!.rows<{ command: string; decision: string; shell: string; session: string; rules: string }>(
        "SELECT command, decision, shell, session, rules FROM events WHERE kind = 'statement' ORDER BY seq",
      );
      return r.length >= 3 ? r : null;
    }, 'three statement rows');
    expect(rows.map((r) => [r.command, r.decision, r.shell, r.session])).toEqual([
      ['SELECT 1', 'allowed', 'wrap', 'shell-abc'],
      ['DROP TABLE t', 'cancelled', 'wrap', 'shell-abc'],
      ['DROP TABLE t', 'confirmed', 'wrap', 'shell-abc'],
    ]);
    expect(JSON.parse(rows[2]!.rules)).toContain('wraptest.drop-table');
    expect(existsSync(join(daemon.home, 'spool')) ? readdirSync(join(daemon.home, 'spool')) : []).toEqual([]);
  });
});
