import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { openStore } from '../../daemon/store/index.js';
import { spawnCli } from '../helpers/cli-pty.js';
import { cliMain } from '../helpers/daemon.js';
import { ev, tempDir } from '../store/fixtures.js';

// prune and verify as a user runs them: on a real terminal (node-pty) with progress and, for
// prune, the count shown and a confirmation; from a script without either.

const OLD = Date.parse('2025-01-01T00:00:00Z');
const RECENT = Date.now() - 3_600_000;
const N_OLD = 25_000;
const N_NEW = 100;

const homes: (() => void)[] = [];
afterAll(() => homes.forEach((c) => c()));

function seededHome(): string {
  const t = tempDir('pg-prune-');
  homes.push(t.cleanup);
  const s = openStore(join(t.dir, 'audit.db'));
  s.appendMany(Array.from({ length: N_OLD }, (_, i) => ev({ cmd: i + 1, ts: OLD + i, command: `echo old-${i}` })));
  s.appendMany(Array.from({ length: N_NEW }, (_, i) => ev({ cmd: N_OLD + i + 1, ts: RECENT + i, command: `echo new-${i}` })));
  s.close();
  return t.dir;
}

function rowCount(home: string): number {
  const s = openStore(join(home, 'audit.db'));
  try {
    return s.eventCount();
  } finally {
    s.close();
  }
}

function cli(home: string, args: string[]) {
  const r = spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PRODGUARD_HOME: home } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('prune', () => {
  let home: string;
  beforeEach(() => {
    home = seededHome();
  });

  test('--dry-run counts and deletes nothing', () => {
    const r = cli(home, ['prune', '--before', '30d', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^dry run: prune --before .* would delete 25,000 rows \\(up to row ${N_OLD}\\); nothing was deleted\\n$`));
    expect(rowCount(home)).toBe(N_OLD + N_NEW);
    expect(JSON.parse(cli(home, ['prune', '--before', '30d', '--dry-run', '--json']).stdout)).toMatchObject({
      dryRun: true,
      rows: N_OLD,
      upto: { seq: N_OLD },
    });
  });

  test('on a terminal: shows the count and asks; anything but yes deletes nothing', async () => {
    const t = await spawnCli(['prune', '--before', '30d'], { PRODGUARD_HOME: home });
    try {
      await t.waitFor(/prune will delete 25,000 audit rows older than .* \(up to row 25000\)/);
      await t.waitFor(/Type "yes" to delete them/);
      t.line('no');
      await t.waitFor(/prune cancelled: no rows were deleted/);
      expect((await t.exited).exitCode).toBe(2);
    } finally {
      await t.close();
    }
    expect(rowCount(home)).toBe(N_OLD + N_NEW);
  });

  test('on a terminal: yes deletes, with progress, and the chain still verifies', async () => {
    const t = await spawnCli(['prune', '--before', '30d'], { PRODGUARD_HOME: home });
    try {
      await t.waitFor(/Type "yes" to delete them/);
      t.line('yes');
      await t.waitFor(/pruning: [\d,]+ of 25,000 rows \([\d,]+ rows\/s/);
      await t.waitFor(/deleted 25,000 rows up to row 25000; checkpoint written as row 25101/);
      expect((await t.exited).exitCode).toBe(0);
    } finally {
      await t.close();
    }
    expect(rowCount(home)).toBe(N_NEW + 1);
    expect(cli(home, ['verify']).stdout).toMatch(/^audit chain intact: 101 rows .* continuing from prune checkpoint at row 25000/);
  });

  test('from a script (no terminal): no question, no progress, one result line', () => {
    const r = cli(home, ['prune', '--before', '30d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('deleted 25,000 rows up to row 25000; checkpoint written as row 25101\n');
    expect(r.stderr).toBe('');
  });
});

describe('verify', () => {
  test('on a terminal: progress while it walks, then the verdict', async () => {
    const home = seededHome();
    const t = await spawnCli(['verify'], { PRODGUARD_HOME: home });
    try {
      await t.waitFor(/verifying: [\d,]+ of 25,100 rows \([\d,]+ rows\/s/);
      await t.waitFor(/audit chain intact: 25,100 rows \(1\.\.25100\)/);
      expect((await t.exited).exitCode).toBe(0);
    } finally {
      await t.close();
    }
    // Without a terminal: the verdict alone.
    const r = cli(home, ['verify']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^audit chain intact: 25,100 rows/);
  });
});

describe('log on a narrow terminal', () => {
  test('80 columns: the least useful columns go, COMMAND keeps room; TIME has its UTC offset', async () => {
    const home = seededHome();
    const { spawn } = await import('node-pty');
    const pty = spawn(process.execPath, [cliMain, 'log', '--limit', '3'], {
      cols: 80,
      rows: 20,
      env: { ...process.env, NO_COLOR: '1', PRODGUARD_HOME: home } as Record<string, string>,
    });
    let out = '';
    pty.onData((d) => (out += d));
    await new Promise<void>((r) => pty.onExit(() => r()));
    const lines = out.replace(/\r/g, '').split('\n').filter(Boolean);
    const header = lines[0]!;
    expect(header).toMatch(/^TIME +USER +DECISION +EXIT +COMMAND$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d /);
    expect(lines[1]).toContain('echo new-99');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[lines.length - 1]).toBe('(3 of 25100 rows; --limit N or --all for more)');
  });
});
