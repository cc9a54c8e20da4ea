import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, rowsOf, runLine, scratch, victim } from '../hooks/harness.js';

// Issue 14 section 3 in real shells: with the daemon down, the hook's fallback is the full engine
// (lines the old word list let through are asked), and with PRODGUARD_HOME on a full tmpfs the
// daemon keeps answering health and evaluating lines (recording degrades, counted).

const PROD = { ENV: 'production' };
const isRoot = process.getuid?.() === 0;

describe('the daemon down: the full engine guards, in bash and zsh', () => {
  const victims = scratch();
  const shells: ShellSession[] = [];
  afterAll(async () => {
    await Promise.all(shells.map((s) => s.close()));
    victims.dispose();
  });

  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: find -delete, \\rm -rf, rsync --delete, git clean -fdx are asked; said once; spooled`, async () => {
      const home = tempHome('pg-down-'); // no daemon ever started here (autostart off in the harness)
      const sh = await guardedShell(shell, { home, env: PROD });
      shells.push(sh);
      const dir = victim(victims.dir, `${shell}-down`);
      writeFileSync(join(dir, 'data'), 'keep');
      for (const line of [`find ${dir} -delete`, `\\rm -rf ${dir}`, `rsync -a --delete /nonexistent/ ${dir}/`, `git -C ${dir} clean -fdx`]) {
        const phrase = await expectQuestion(sh, `${line}\r`);
        expect(phrase.length).toBeGreaterThan(0);
        expect(await answer(sh, 'no')).toMatch(/cancelled; the line did not run/);
        expect(existsSync(join(dir, 'data'))).toBe(true);
      }
      expect(sh.text().match(/the daemon is unreachable; lines are checked locally by the full engine/g)?.length).toBe(1);
      // A benign line runs as usual.
      expect(await runLine(sh, 'echo still-runs')).toMatch(/still-runs/);
      // The records wait in the spool; a daemon started later stores them.
      const d = await startDaemon({ home });
      try {
        await waitFor(
          () => rowsOf((sql, ...p) => d.rows(sql, ...p), sh.pid).filter((r) => r.decision === 'cancelled').length >= 4,
          'the spooled cancellations',
          15_000,
        );
      } finally {
        await d.dispose();
      }
    });
  }
});

describe.runIf(isRoot)('PRODGUARD_HOME on a full 2 MiB tmpfs', () => {
  const mnt = mkdtempSync(join(tmpdir(), 'pg-tmpfs-'));
  const victims = scratch();
  let d: TestDaemon | undefined;
  let sh: ShellSession | undefined;
  afterAll(async () => {
    await sh?.close();
    await d?.kill('SIGKILL').catch(() => undefined);
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
    victims.dispose();
  });

  it('health answers, lines are evaluated and asked, loss is counted; held records land once space is back', async () => {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
    expect(mounted.status, mounted.stderr).toBe(0);
    d = await startDaemon({ home: mnt, config: { daemon: { warmupLines: 0 } } });
    sh = await guardedShell('bash', { home: mnt, env: PROD });
    await runLine(sh, 'echo before-full');

    // Fill the disk to the last block.
    const fill = join(mnt, 'fill');
    const fd = openSync(fill, 'w');
    const block = Buffer.alloc(4096);
    try {
      for (;;) writeSync(fd, block);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    const dir = victim(victims.dir, 'full-disk');
    writeFileSync(join(dir, 'data'), 'keep');
    for (let i = 0; i < 5; i++) {
      expect(await runLine(sh, `echo line-on-full-disk-${i}`)).toMatch(new RegExp(`\\nline-on-full-disk-${i}`));
      expect(await d.request({ op: 'health' }, { timeoutMs: 2_000 })).toMatchObject({ ok: true });
    }
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    await expectQuestion(sh, `find ${dir} -delete\r`);
    await answer(sh, 'no');
    expect(existsSync(join(dir, 'data'))).toBe(true);
    // Evaluated by the daemon itself, not the fallback: nothing said about an unreachable daemon.
    expect(sh.text()).not.toMatch(/checked locally/);
    const h = await d.request({ op: 'health' }, { timeoutMs: 2_000 });
    const writer = h.writer as { held: number; failed: number; lastError: { message: string } | null };
    expect(writer.held).toBeGreaterThan(0);
    expect(writer.lastError?.message).toMatch(/full/);

    // Space back: the held records are stored by the retry timer.
    rmSync(fill);
    await waitFor(() => d!.rows("SELECT 1 FROM events WHERE command = 'echo line-on-full-disk-4'").length === 1, 'the held records to land', 15_000);
    await waitFor(async () => ((await d!.request({ op: 'health' })).writer as { held: number }).held === 0, 'the memory queue to drain');
  });
});
