import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/daemon.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import type { ShellSession } from '../helpers/pty.js';
import { CONFIRM_PROMPT, REFUSED, spawnWrap, wrapHome } from './harness.js';

// `prodguard wrap psql` end to end against a throwaway PostgreSQL 15 cluster on a unix socket.

const PROMPT = /postgres=# $/;
const CONT = /postgres-# $/;

let pg: TestPostgres;
let home: string;
let wrap: ShellSession | null = null;

const tExists = (): boolean => pg.query("SELECT to_regclass('public.t') IS NOT NULL") === 't';

async function open(db = 'postgres'): Promise<ShellSession> {
  wrap = await spawnWrap(['psql', '-X', ...pg.psqlArgs(db)], { home });
  await wrap.waitFor(PROMPT);
  return wrap;
}

async function type(s: ShellSession, line: string, until: RegExp = PROMPT): Promise<string> {
  const since = s.mark();
  s.line(line);
  await s.waitFor(until, { since });
  return s.text().slice(since);
}

async function refuse(s: ShellSession, answer = 'no'): Promise<void> {
  const since = s.mark();
  s.line(answer);
  await s.waitFor(REFUSED, { since });
  await s.waitFor(PROMPT, { since });
}

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

beforeEach(() => {
  pg.query('DROP TABLE IF EXISTS t; CREATE TABLE t(a int); INSERT INTO t VALUES (1), (2), (3);');
  home = wrapHome();
});

afterEach(async () => {
  await wrap?.close();
  wrap = null;
  rmSync(home, { recursive: true, force: true });
});

describe('wrap psql in production', () => {
  it('passes a benign SELECT through with no prompt', async () => {
    const s = await open();
    const out = await type(s, 'SELECT count(*) AS n FROM t;');
    expect(out).toMatch(/\n\s+3\n/);
    expect(out).not.toMatch(/prodguard/);
  });

  it('refuses DROP TABLE t on a wrong phrase: t stays and psql is at a clean prompt', async () => {
    const s = await open();
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    await refuse(s, 'nope');
    expect(tExists()).toBe(true);
    // Nothing of the refused statement is left in psql's query buffer.
    const out = await type(s, 'SELECT 40 + 2 AS answer;');
    expect(out).toMatch(/\n\s+42\n/);
    expect(tExists()).toBe(true);
  });

  it('sends DROP TABLE t when the phrase is typed: t is dropped', async () => {
    const s = await open();
    await type(s, 'DROP TABLE t;', CONFIRM_PROMPT('t'));
    const out = await type(s, 't');
    expect(out).toMatch(/DROP TABLE/);
    await waitFor(() => !tExists(), 'table t dropped');
  });

  it('guards a statement split over lines as one; refusing clears the query buffer', async () => {
    const s = await open();
    await type(s, 'DROP', CONT);
    await type(s, 'TABLE t', CONT);
    expect(tExists()).toBe(true);
    await type(s, ';', CONFIRM_PROMPT('t'));
    await refuse(s);
    expect(tExists()).toBe(true);
    const out = await type(s, 'SELECT 7 AS seven;');
    expect(out).toMatch(/\n\s+7\n/);
    expect(out).not.toMatch(/ERROR/);
  });

  it('guards shell commands run with \\! as shell lines', async () => {
    const s = await open();
    expect(await type(s, '\\! echo wrapped-shell-ok')).toMatch(/wrapped-shell-ok/);
    const victim = mkdtempSync(join(tmpdir(), 'pg-wrap-victim-'));
    await type(s, `\\! rm -rf ${victim}`, CONFIRM_PROMPT(basename(victim)));
    await refuse(s);
    expect(existsSync(victim)).toBe(true);
    rmSync(victim, { recursive: true, force: true });
  });

  it('passes Ctrl-C (drops the typed query) and Ctrl-D (ends psql with 0) through', async () => {
    const s = await open();
    let since = s.mark();
    s.write('DROP TABLE t');
    await s.waitFor(/DROP TABLE t/, { since });
    since = s.mark();
    s.write('\x03');
    await s.waitFor(PROMPT, { since });
    // The Ctrl-C'd text is gone from psql's buffer: `;` alone runs nothing.
    await type(s, ';');
    expect(tExists()).toBe(true);
    s.write('\x04');
    expect((await s.exited).exitCode).toBe(0);
  });

  it("returns psql's exit code (2: the database does not exist)", async () => {
    wrap = await spawnWrap(['psql', '-X', ...pg.psqlArgs('no_such_db')], { home });
    await wrap.waitFor(/does not exist/);
    expect((await wrap.exited).exitCode).toBe(2);
  });
});
