import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type AuditStore, type LogRow } from '../../daemon/store/index.js';
import { cliMain } from '../helpers/daemon.js';
import { SEED, ev, label, result, tempDir } from './fixtures.js';

// The built CLI against real database files in temporary PRODGUARD_HOMEs (dist is built by the
// vitest globalSetup). The daemon is not running: the commands read the file directly.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(home: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env, PRODGUARD_HOME: home } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ndjson = (s: string): LogRow[] =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRow);

const homes: (() => void)[] = [];
function home(): string {
  const t = tempDir('pg-cli-');
  homes.push(t.cleanup);
  return t.dir;
}
afterAll(() => homes.forEach((c) => c()));

let seeded: string;
beforeAll(() => {
  seeded = home();
  const s = openStore(join(seeded, 'audit.db'));
  s.appendMany(SEED);
  s.close();
});

/** `prodguard log --follow ARGS` on a pipe: its output so far, a wait for text in it, a SIGINT stop (its exit code). */
function followLog(h: string, args: string[]) {
  const p = spawn(process.execPath, [cliMain, 'log', '--follow', ...args], { env: { ...process.env, PRODGUARD_HOME: h } });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
  return {
    out: () => out,
    /** Polls until `done` holds (the follower itself polls the database every 500 ms). */
    until: async (done: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(done(), what).toBe(true);
    },
    waitFor: async (what: string) => {
      for (let i = 0; i < 200 && !out.includes(what); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(what);
    },
    stop: () => {
      p.kill('SIGINT');
      return exited;
    },
  };
}

describe('prodguard log filters', () => {
  test.each<[string[], string[]]>([
    [
      ['--user', 'bob', '--limit', '2'],
      ['session-end', 'echo "quoted, text"\nsecond line'],
    ],
    [
      ['--host', 'web1', '--reverse', '--limit', '2'],
      ['session-start', 'ls -la'],
    ],
    [['--session', 's1', '--limit', '1'], ['kubectl delete ns prod']],
    [
      ['--cwd', '/srv/app'],
      ['rm -rf /var/www', 'ls -la', 'session-start'],
    ],
    [
      ['--severity', 'high'],
      ['psql -c "DROP TABLE users"', 'kubectl delete ns prod', 'rm -rf /var/www'],
    ],
    [
      ['--decision', 'blocked', '--decision', 'cancelled'],
      ['git push --force origin main', 'rm -rf /var/www'],
    ],
    [
      ['--decision', 'blocked,dry-run'],
      ['psql -c "DROP TABLE users"', 'rm -rf /var/www'],
    ],
    [['--rule', 'fs.rm-rf'], ['rm -rf /var/www']],
    [['--exit', '1'], ['kubectl delete ns prod']],
    [['--failed'], ['echo "quoted, text"\nsecond line', 'kubectl delete ns prod']],
    [['--search', 'DROP users'], ['psql -c "DROP TABLE users"']],
    [
      ['--since', '2026-03-09T12:00:00Z', '--until', '2026-03-10T10:30Z'],
      ['psql -c "DROP TABLE users"', 'kubectl delete ns prod'],
    ],
    [
      ['--since', '2026-03-10T12:00:00+01:00', '--user', 'bob'],
      ['session-end', 'echo "quoted, text"\nsecond line', 'git push --force origin main'],
    ],
  ])('log %j', async (args, expected) => {
    const r = await run(seeded, ['log', '--ndjson', ...args]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout).map(label)).toEqual(expected);
  });

  test('relative times: 30m, 2h, 7d, today, yesterday', async () => {
    const h = home();
    const now = Date.now();
    const s = openStore(join(h, 'audit.db'));
    const ago = [10 * 60_000, 90 * 60_000, 5 * 3_600_000, 3 * 86_400_000, 10 * 86_400_000];
    s.appendMany(ago.map((a, i) => ev({ cmd: i + 1, ts: now - a, command: `echo ${a}` })));
    s.close();
    const expectSince = async (since: string, from: number) => {
      const rows = ndjson((await run(h, ['log', '--ndjson', '--reverse', '--since', since])).stdout);
      // Computed from the same cut-off rule, so a run that spans midnight cannot flake.
      expect(rows.map((r) => r.ts).sort()).toEqual(
        ago
          .map((a) => now - a)
          .filter((t) => t >= from)
          .sort(),
      );
      return rows.length;
    };
    expect(await expectSince('30m', now - 30 * 60_000)).toBe(1);
    expect(await expectSince('2h', now - 2 * 3_600_000)).toBe(2);
    expect(await expectSince('7d', now - 7 * 86_400_000)).toBe(4);
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    await expectSince('today', midnight.getTime());
    const yesterday = new Date(midnight);
    yesterday.setDate(yesterday.getDate() - 1);
    await expectSince('yesterday', yesterday.getTime());
  });
});

describe('prodguard log formats', () => {
  test('--json is an array of the same rows as --ndjson', async () => {
    const j = await run(seeded, ['log', '--json', '--limit', '3']);
    const n = await run(seeded, ['log', '--ndjson', '--limit', '3']);
    const arr = JSON.parse(j.stdout) as LogRow[];
    expect(Array.isArray(arr)).toBe(true);
    expect(arr).toEqual(ndjson(n.stdout));
    expect(arr[1]).toMatchObject({ user: 'bob', exit: 2, decision: 'allowed', severity: 'low', session: 's2', cmd: 3 });
  });

  test('--csv follows RFC 4180: CRLF, quoted fields with commas, quotes and newlines', async () => {
    const r = await run(seeded, ['log', '--csv', '--decision', 'allowed', '--user', 'bob']);
    expect(r.stdout.startsWith('seq,time,end_time,duration_ms,exit,kind,decision,severity,rules,matched,user,')).toBe(true);
    expect(r.stdout.endsWith(',"echo ""quoted, text""\nsecond line"\r\n')).toBe(true);
    const lines = r.stdout.split('\r\n');
    expect(lines.length).toBe(3); // header, one row (with an embedded LF), trailing empty
    expect(lines[1]).toMatch(/^10,2026-03-10T12:00:00\.000Z,2026-03-10T12:00:00\.010Z,12\.5,2,command,allowed,low,,,bob,1000,db1,/);
  });

  test('plain table when stdout is not a terminal: aligned, no colour, control characters escaped', async () => {
    const r = await run(seeded, ['log', '--limit', '3']);
    expect(r.stdout).not.toMatch(/\x1b/);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+USER\s+HOST\s+DECISION\s+SEV\s+EXIT\s+DUR\s+RULE\s+CWD\s+COMMAND$/);
    const col = lines[0]!.indexOf('COMMAND');
    expect(lines[2]!.slice(col)).toBe('echo "quoted, text"\\nsecond line');
    expect(lines[3]!.slice(col)).toBe('git push --force origin main');
    expect(lines[2]!.slice(lines[0]!.indexOf('USER'))).toMatch(/^bob\s/);
  });

  test('colour when forced, and never with NO_COLOR', async () => {
    const coloured = await run(seeded, ['log', '--decision', 'blocked'], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\x1b[31m\x1b[1mblocked');
    const plain = await run(seeded, ['log', '--decision', 'blocked'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(plain.stdout).not.toMatch(/\x1b/);
    expect(plain.stdout).toContain('blocked');
  });

  test('no matching rows: a header on stdout, a note on stderr, exit 0', async () => {
    const r = await run(seeded, ['log', '--user', 'nobody']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('(no matching rows)\n');
  });

  test('--follow streams rows as they land and exits 0 on SIGINT', async () => {
    const h = home();
    const store: AuditStore = openStore(join(h, 'audit.db'));
    try {
      store.append(ev({ cmd: 1, command: 'echo before' }));
      const log = followLog(h, ['--ndjson', '--user', 'alice']);
      await log.waitFor('echo before');
      store.append(ev({ cmd: 2, command: 'echo after', user: 'bob' }));
      store.appendMany([ev({ cmd: 3, command: 'echo landed' }), ev({ cmd: 4, command: 'echo also' })]);
      await log.waitFor('echo also');
      expect(await log.stop()).toBe(0);
      expect(ndjson(log.out()).map((r) => r.command)).toEqual(['echo before', 'echo landed', 'echo also']);
    } finally {
      store.close();
    }
  });

  test('--follow prints a row again, same seq, when the result of its running command lands', async () => {
    const h = home();
    const store: AuditStore = openStore(join(h, 'audit.db'));
    try {
      store.append(ev({ cmd: 1, command: 'sleep 5' }));
      store.append(ev({ cmd: 2, command: 'rm -rf /srv/x', decision: 'cancelled' }));
      const log = followLog(h, ['--ndjson']);
      await log.waitFor('rm -rf /srv/x');
      store.append(ev({ cmd: 3, command: 'make deploy' }));
      await log.waitFor('make deploy');
      store.append(result('s1', 1, 0, { ts: Date.now() }));
      store.append(result('s1', 3, 2, { ts: Date.now() }));
      store.append(ev({ cmd: 4, command: 'echo last' }));
      await log.waitFor('echo last');
      await log.until(() => ndjson(log.out()).length >= 6, 'six rows');
      expect(await log.stop()).toBe(0);
      const rows = ndjson(log.out()).map((r) => [r.seq, r.command, r.exit]);
      const [sleep, rm] = ndjson(log.out());
      // The cancelled line awaits nothing; the two that ran are printed again with their exits.
      expect(rows).toEqual([
        [sleep!.seq, 'sleep 5', null],
        [rm!.seq, 'rm -rf /srv/x', null],
        [rm!.seq + 1, 'make deploy', null],
        [sleep!.seq, 'sleep 5', 0],
        [rm!.seq + 1, 'make deploy', 2],
        [rm!.seq + 4, 'echo last', null],
      ]);
    } finally {
      store.close();
    }
  });
});

describe('prodguard stats', () => {
  test('text with a sparkline and bars', async () => {
    const r = await run(seeded, ['stats']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^6 commands in 1 production session, 2 failed/);
    expect(r.stdout).toMatch(/activity per day\s+[▁▂▃▄▅▆▇█ ]+\s+2026-03-0\d \.\. 2026-03-1\d/);
    expect(r.stdout).toMatch(/^allowed\s+2\s+█+$/m);
    expect(r.stdout).toMatch(/^fs\.rm-rf\s+1\s+█+/m);
  });

  test('--json with --since', async () => {
    const r = await run(seeded, ['stats', '--json', '--since', '2026-03-10T09:00Z']);
    const s = JSON.parse(r.stdout) as { commands: number; byUser: unknown };
    expect(s.commands).toBe(3);
    expect(s.byUser).toEqual([{ key: 'bob', count: 3 }]);
  });
});

describe('prodguard verify and prune', () => {
  test('intact: exit 0 and the head to publish; tampered: exit 5 naming the row', async () => {
    const h = home();
    const s = openStore(join(h, 'audit.db'));
    s.appendMany(SEED);
    s.close();
    const ok = await run(h, ['verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit chain intact: 12 rows \(1\.\.12\)\nhead 12:[0-9a-f]{64}\n$/);
    const head = /head (\d+:[0-9a-f]{64})/.exec(ok.stdout)![1]!;

    const db = new Database(join(h, 'audit.db'));
    db.exec("DROP TRIGGER events_no_update; UPDATE events SET command = 'ls' WHERE seq = 4;");
    db.close();
    const bad = await run(h, ['verify']);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toMatch(/^audit chain BROKEN at row 4 \(edited\): row 4 was changed/);
    const json = JSON.parse((await run(h, ['verify', '--json'])).stdout) as { ok: boolean; problem: { seq: number; kind: string } };
    expect(json).toMatchObject({ ok: false, problem: { seq: 4, kind: 'edited' } });
    expect((await run(h, ['verify', '--expect-head', head])).code).toBe(5);
  });

  test('truncation shows against --expect-head', async () => {
    const h = home();
    const s = openStore(join(h, 'audit.db'));
    s.appendMany(SEED);
    const head = s.head()!;
    s.close();
    const db = new Database(join(h, 'audit.db'));
    db.exec('DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq > 9;');
    db.close();
    expect((await run(h, ['verify'])).code).toBe(0);
    const r = await run(h, ['verify', '--expect-head', `${head.seq}:${head.hash}`]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toContain('(truncated): rows 10..12 were cut off');
  });

  test('prune deletes old rows, writes a checkpoint, verify stays green', async () => {
    const h = home();
    const s = openStore(join(h, 'audit.db'));
    s.appendMany(SEED);
    s.close();
    const r = await run(h, ['prune', '--before', '2026-03-09T00:00:00Z', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 4, anchor: { seq: 4 }, checkpointSeq: 13, head: { seq: 13 } });
    const v = await run(h, ['verify', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, firstSeq: 5, anchor: { seq: 4 } });
    const again = await run(h, ['prune', '--before', '2026-03-01']);
    expect(again.stdout).toMatch(/^nothing older than 2026-03-01 00:00:00[+-]\d\d:\d\d; no rows deleted/);
    const log = ndjson((await run(h, ['log', '--ndjson', '--limit', '1'])).stdout);
    expect(log[0]).toMatchObject({ kind: 'checkpoint' });
  });
});

describe('bad input: one line, what to do, non-zero exit', () => {
  const oneLine = (r: Run) => {
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return r.stderr.trim().split('\n')[0]!;
  };

  test.each<[string[], RegExp]>([
    [['log', '--decision', 'nope'], /unknown decision "nope": use allowed, confirmed, dry-run, cancelled, blocked, disabled/],
    [['log', '--since', '2026-13-45'], /"2026-13-45" is not a real date/],
    [['log', '--until', '2026-02-30T10:00'], /not a real date/],
    [['log', '--since', 'last tuesday'], /is not a time: use an ISO date/],
    [['log', '--limit', '-5'], /--limit must be a whole number above 0/],
    [['log', '--limit', '0'], /--limit must be a whole number above 0/],
    [['log', '--exit', 'x'], /--exit must be a whole number/],
    [['log', '--severity', 'extreme'], /Allowed choices are low, medium, high, critical/],
    [['log', '--json', '--csv'], /choose one output format/],
    [['log', '--since', '1h', '--until', '2h'], /--since is not before --until/],
    [['log', '--search', '***'], /--search needs at least one word/],
    [['verify', '--expect-head', '12:abc'], /expected SEQ:HASH/],
    [['prune'], /required option '--before <when>' not specified/],
    [['prune', '--before', '2099-01-01'], /is in the future/],
  ])('%j', async (args, message) => {
    const r = await run(seeded, args);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(message);
  });

  test('missing database: exit 8, says the daemon creates it, creates nothing', async () => {
    const h = home();
    for (const cmd of [['log'], ['stats'], ['verify'], ['prune', '--before', '30d']]) {
      const r = await run(h, cmd);
      expect(r.code, r.stderr).toBe(8);
      expect(oneLine(r)).toMatch(/no audit database at .*audit\.db/);
    }
  });

  test('corrupt database: exit 8, says to move it aside', async () => {
    const h = home();
    writeFileSync(join(h, 'audit.db'), 'not sqlite at all '.repeat(100));
    for (const cmd of [['log'], ['stats'], ['verify'], ['prune', '--before', '30d']]) {
      const r = await run(h, cmd);
      expect(r.code, r.stderr).toBe(8);
      expect(oneLine(r)).toMatch(/is corrupt or not a database: move it aside/);
    }
  });
});

describe('prodguard log: complete exports, a paged table', () => {
  let big: string;
  const N = 2_345; // more than two of the export's 1,000-row pages
  beforeAll(() => {
    big = home();
    const s = openStore(join(big, 'audit.db'));
    s.appendMany(Array.from({ length: N }, (_, i) => ev({ cmd: i + 1, ts: 1_700_000_000_000 + i, command: `echo row-${i + 1}` })));
    s.close();
  });

  test('--csv, --ndjson and --json are complete by default, newest first, each row once', async () => {
    const csv = await run(big, ['log', '--csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[1]).toContain(`echo row-${N}`);
    expect(lines[N]).toContain('echo row-1');

    const nd = ndjson((await run(big, ['log', '--ndjson'])).stdout);
    expect(nd.map((r) => r.cmd)).toEqual(Array.from({ length: N }, (_, i) => N - i));

    const json = JSON.parse((await run(big, ['log', '--json', '--reverse'])).stdout) as LogRow[];
    expect(json.map((r) => r.cmd)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(JSON.parse((await run(big, ['log', '--json', '--search', 'no-such-word'])).stdout)).toEqual([]);
  });

  test('--limit still cuts the export where asked', async () => {
    const nd = ndjson((await run(big, ['log', '--ndjson', '--limit', '1500'])).stdout);
    expect(nd).toHaveLength(1500);
    expect(nd[1499]!.cmd).toBe(N - 1499);
  });

  test('the table shows a page and says how many rows there are; --all shows them all', async () => {
    const page = await run(big, ['log']);
    expect(page.code).toBe(0);
    expect(page.stdout.trimEnd().split('\n')).toHaveLength(51);
    expect(page.stderr).toContain(`(50 of ${N} rows; --limit N or --all for more)`);
    const all = await run(big, ['log', '--all']);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(N + 1);
    expect(all.stderr).toBe('');
    const both = await run(big, ['log', '--all', '--limit', '3']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('prodguard: --all and --limit contradict each other: keep one\n');
  });
});

describe('prodguard log --user and the one identity', () => {
  test("--user NAME finds the account's rows whether or not the shell claimed another $USER", async () => {
    const h = home();
    const s = openStore(join(h, 'audit.db'));
    s.appendMany([
      ev({ cmd: 1, user: 'root', command: 'echo plain' }),
      ev({ cmd: 2, user: 'root ($USER=alice)', command: 'echo claimed' }),
      ev({ cmd: 3, user: 'rootless', command: 'echo other' }),
      ev({ cmd: 4, user: 'root_x ($USER=root)', command: 'echo lookalike' }),
    ]);
    s.close();
    const rows = ndjson((await run(h, ['log', '--ndjson', '--user', 'root', '--reverse'])).stdout);
    expect(rows.map((r) => r.command)).toEqual(['echo plain', 'echo claimed']);
  });
});
