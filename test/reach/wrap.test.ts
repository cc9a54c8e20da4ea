import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, homeEnv, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, PROMPT, runLine, scratch } from '../hooks/harness.js';

// `prodguard wrap` for scripts, end to end: the production shell functions (psql, sqlite3) of real
// guarded bash and zsh under a pty, driven by lines that redirect and pipe, against the real
// sqlite3 and the throwaway PostgreSQL. With input that is not typed at a terminal the client runs
// with no pty: stdout and stderr byte-identical to the bare client (`command psql ...`), the same
// exit code; a piped DROP confirmed at the shell prompt runs once, without a second question; with
// no terminal at all a confirm-level input is refused in one line and benign input passes.

const SHELLS = ['bash', 'zsh'] as const;
const prod = { ENV: 'production' };

let pg: TestPostgres;
let tmp: ReturnType<typeof scratch>;
beforeAll(async () => {
  pg = await startPostgres();
  tmp = scratch();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  tmp?.dispose();
});

const sqliteDb = (dir: string, name = 'shop.db'): string => {
  const db = join(dir, name);
  execFileSync('sqlite3', [
    db,
    'create table if not exists users(id int, name text); delete from users; insert into users values (1, "ann"), (2, "bob");',
  ]);
  return db;
};
const sqliteTables = (db: string): string => execFileSync('sqlite3', [db, '.tables'], { encoding: 'utf8' });

describe.each(SHELLS)('%s: wrap under the production shell functions, driven by redirects and pipes', (shell) => {
  let d: TestDaemon;
  let sh: ShellSession;
  let dir: string;

  beforeAll(async () => {
    d = await startDaemon();
    dir = join(tmp.dir, shell);
    execFileSync('mkdir', ['-p', dir]);
  });
  afterEach(async () => {
    await sh?.close();
  });
  afterAll(async () => {
    await d?.dispose();
  });

  const open = async (): Promise<ShellSession> => {
    sh = await guardedShell(shell, { home: d.home, env: { ...prod, PGHOST: pg.host, PGUSER: pg.user } });
    await runLine(sh, `cd ${dir}`);
    // The hook defined the wrap functions in production: `type` says so (no output check of ours).
    expect(await runLine(sh, 'type psql sqlite3')).toMatch(/psql is a (shell )?function[\s\S]*sqlite3 is a (shell )?function/);
    return sh;
  };

  /** Runs `form` through the function and through `command` (the bare client); both outputs compared byte for byte. */
  const same = async (name: string, form: (client: string, out: string) => string): Promise<void> => {
    // Names relative to the shell's cwd: a line wider than the pty would be wrapped by zle's redraw.
    const w = `${name}.wrap`;
    const b = `${name}.bare`;
    await runLine(sh, `${form('', w)}; echo "rc=$?" > ${w}.rc`);
    await runLine(sh, `${form('command ', b)}; echo "rc=$?" > ${b}.rc`);
    for (const ext of ['.out', '.err', '.rc']) expect(readFileSync(join(dir, w + ext)), `${name}${ext}`).toEqual(readFileSync(join(dir, b + ext)));
  };

  it("psql: -c, -f, < file and a pipe give the bare client's bytes on stdout and stderr, and its exit code", async () => {
    await open();
    pg.query('CREATE TABLE IF NOT EXISTS items(id int); TRUNCATE items; INSERT INTO items VALUES (1),(2),(3)');
    writeFileSync(join(dir, 'q.sql'), 'select count(*) from items;\nselect * from no_such_table;\nselect 42 as answer;\n');
    const db = `-X -d postgres`;
    await same('pg-c', (c, o) => `${c}psql ${db} -At -c 'select sum(id) from items' > ${o}.out 2> ${o}.err`);
    await same('pg-f', (c, o) => `${c}psql ${db} -f q.sql > ${o}.out 2> ${o}.err`);
    await same('pg-stdin', (c, o) => `${c}psql ${db} < q.sql > ${o}.out 2> ${o}.err`);
    await same('pg-pipe', (c, o) => `echo "select 1;" | ${c}psql ${db} -At > ${o}.out 2> ${o}.err`);
    await same('pg-error-stop', (c, o) => `${c}psql ${db} -v ON_ERROR_STOP=1 -f q.sql > ${o}.out 2> ${o}.err`);
    expect(readFileSync(join(dir, 'pg-pipe.wrap.out'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(dir, 'pg-error-stop.wrap.rc'), 'utf8')).toBe('rc=3\n');
  });

  it("sqlite3: trailing SQL, < file, a pipe and .read give the bare client's bytes and exit code", async () => {
    await open();
    sqliteDb(dir);
    writeFileSync(join(dir, 'q.sql'), 'select count(*) from users;\nselec broken;\nselect name from users order by id;\n');
    await same('sq-arg', (c, o) => `${c}sqlite3 shop.db 'select name from users' > ${o}.out 2> ${o}.err`);
    await same('sq-stdin', (c, o) => `${c}sqlite3 shop.db < q.sql > ${o}.out 2> ${o}.err`);
    await same('sq-pipe', (c, o) => `printf 'select 1;\\nselect 2;\\n' | ${c}sqlite3 -batch shop.db > ${o}.out 2> ${o}.err`);
    await same('sq-read', (c, o) => `${c}sqlite3 shop.db '.read q.sql' > ${o}.out 2> ${o}.err`);
    expect(readFileSync(join(dir, 'sq-pipe.wrap.out'), 'utf8')).toBe('1\n2\n');
  });

  it('a piped DROP: a wrong phrase at the prompt keeps the table; confirmed, it runs once with no second question', async () => {
    await open();
    const db = sqliteDb(dir, 'drop.db');
    const line = 'echo "drop table users;" | sqlite3 drop.db';
    await expectQuestion(sh, `${line}\r`);
    await answer(sh, 'not-the-phrase');
    expect(sqliteTables(db)).toContain('users');
    const phrase = await expectQuestion(sh, `${line}\r`);
    const out = await answer(sh, phrase);
    // (zsh redraws the prompt and the line before running it: wait for the line's effect.)
    await waitFor(() => !sqliteTables(db).includes('users'), `the table dropped by the confirmed line; after the answer:\n${out}`);
    expect(out).not.toMatch(/type "[^"]+" to send it/);
    // The hook's line and wrap's statement, both recorded as confirmed (the latter by the grant).
    const rows = d.rows<{ shell: string; command: string; decision: string }>(
      "SELECT shell, command, decision FROM events WHERE kind IN ('command','statement') ORDER BY seq",
    );
    expect(rows.filter((r) => r.command === line).map((r) => r.decision)).toEqual(['cancelled', 'confirmed']);
    expect(rows.some((r) => r.shell === 'wrap' && /drop table users/.test(r.command) && r.decision === 'confirmed')).toBe(true);
  });

  it('a confirmed PostgreSQL DROP through a pipe runs once', async () => {
    await open();
    pg.query('CREATE TABLE IF NOT EXISTS invoices(id int)');
    const line = 'echo "drop table invoices;" | psql -X -d postgres';
    const phrase = await expectQuestion(sh, `${line}\r`);
    await answer(sh, phrase, { until: /DROP TABLE/ });
    expect(pg.query("SELECT to_regclass('public.invoices') IS NULL")).toBe('t');
  });
});

/** `prodguard wrap ...` with no controlling terminal (setsid), stdin from `input`. */
function wrapWithoutTerminal(
  home: string,
  cwd: string,
  args: string[],
  input: string,
  env: Record<string, string> = prod,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, 'wrap', ...args], {
      cwd,
      detached: true,
      env: { ...homeEnv(home), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('wrap with no terminal at all', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d?.dispose();
  });

  it('refuses confirm-level input in one line (piped or as the argument), passes benign input untouched, records both', async () => {
    const dir = join(tmp.dir, 'noterm');
    execFileSync('mkdir', ['-p', dir]);
    const db = sqliteDb(dir);
    const benign = await wrapWithoutTerminal(d.home, dir, ['sqlite3', 'shop.db'], 'select count(*) from users;\n');
    expect(benign).toEqual({ code: 0, stdout: '2\n', stderr: '' });

    const piped = await wrapWithoutTerminal(d.home, dir, ['sqlite3', 'shop.db'], 'drop table users;\n');
    expect(piped.code).toBe(3);
    expect(piped.stderr.trim().split('\n')).toHaveLength(1);
    expect(piped.stderr).toMatch(/^prodguard: refused \(sql\.drop-table: .*no terminal to confirm on/);

    const arg = await wrapWithoutTerminal(d.home, dir, ['sqlite3', 'shop.db', 'drop table users'], '');
    expect(arg.code).toBe(3);
    expect(sqliteTables(db)).toContain('users');
    // Outside production the client runs untouched: the same DROP goes through, nothing is judged.
    const outside = await wrapWithoutTerminal(d.home, dir, ['sqlite3', 'other.db'], 'create table x(i); drop table x; select 7;\n', {});
    expect(outside).toEqual({ code: 0, stdout: '7\n', stderr: '' });
    const rows = d.rows<{ command: string; decision: string }>(
      "SELECT command, decision FROM events WHERE shell = 'wrap' AND kind IN ('command','statement') ORDER BY seq",
    );
    expect(rows.some((r) => r.command.includes('select 7'))).toBe(false);
    expect(rows).toContainEqual({ command: "sqlite3 shop.db 'drop table users'", decision: 'blocked' });
    expect(rows.some((r) => /select count/.test(r.command) && r.decision === 'allowed')).toBe(true);
  });
});

describe('wrap asks once on the terminal when the shell prompt did not confirm the input', () => {
  let d: TestDaemon;
  let sh: ShellSession | null = null;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await sh?.close();
    await d?.dispose();
  });

  it("`prodguard wrap sqlite3 shop.db 'drop table users'`: a wrong phrase keeps the table, the phrase drops it; recorded", async () => {
    const dir = join(tmp.dir, 'tty');
    execFileSync('mkdir', ['-p', dir]);
    const db = sqliteDb(dir);
    sh = await guardedShell('bash', { home: d.home, env: prod });
    await runLine(sh, `cd ${dir}`);
    const line = `${process.execPath} ${cliMain} wrap sqlite3 shop.db 'drop table users' < /dev/null > out.txt`;
    let since = sh.mark();
    sh.line(line);
    await sh.waitFor(/type "([^"]+)" to send it, anything else cancels/, { since });
    since = sh.mark();
    sh.line('nope');
    await sh.waitFor(PROMPT, { since });
    expect(sh.text().slice(since)).toContain('cancelled; sqlite3 was not started');
    expect(sqliteTables(db)).toContain('users');
    since = sh.mark();
    sh.line(line);
    const m = await sh.waitFor(/type "([^"]+)" to send it, anything else cancels/, { since });
    since = sh.mark();
    sh.line(m[1]!);
    await sh.waitFor(PROMPT, { since });
    expect(sqliteTables(db)).not.toContain('users');
    const rows = d.rows<{ command: string; decision: string }>("SELECT command, decision FROM events WHERE shell = 'wrap' ORDER BY seq");
    expect(rows.filter((r) => r.command === "sqlite3 shop.db 'drop table users'").map((r) => r.decision)).toEqual(['cancelled', 'confirmed']);
  });
});
