import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openStore } from '../../daemon/store/index.js';
import { spawnCli } from '../helpers/cli-pty.js';
import type { ShellSession } from '../helpers/pty.js';
import { ev, result } from '../store/fixtures.js';

// `prodguard log -f` on a real terminal (node-pty): one row per command, rewritten in place when
// the command's result lands, rather than a second row.

const dirs: string[] = [];
const sessions: ShellSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('log --follow on a terminal', () => {
  test('the row of a running command is updated with its exit, not printed twice', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-follow-'));
    dirs.push(home);
    const store = openStore(join(home, 'audit.db'));
    try {
      store.append(ev({ cmd: 1, command: 'echo shown-first' }));
      const log = await spawnCli(['log', '-f'], { PRODGUARD_HOME: home });
      sessions.push(log);
      await log.waitFor(/echo shown-first/);
      store.append(ev({ cmd: 2, command: 'make migrate' }));
      await log.waitFor(/make migrate/);
      const before = log.rawText().length;
      store.append(result('s1', 2, 3, { ts: Date.now(), durationMs: 1500 }));
      store.append(result('s1', 1, 0, { ts: Date.now() }));
      const deadline = Date.now() + 10_000;
      const updates = () => [
        ...log
          .rawText()
          .slice(before)
          .matchAll(/\x1b\[(\d+)A\r\x1b\[2K([^\x1b]*)\x1b\[\d+B\r/g),
      ];
      while (updates().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const rewritten = updates().map((m) => [Number(m[1]), m[2]!.replace(/\s+/g, ' ')]);
      // Oldest first: echo shown-first is the line above the last (2 up), make migrate the last (1 up).
      expect(rewritten).toEqual([
        [2, expect.stringMatching(/ allowed 0 .*echo shown-first$/)],
        [1, expect.stringMatching(/ allowed 3 1\.5s .*make migrate$/)],
      ]);
      // Nothing new was printed below them: the table still has one row per command.
      expect(
        log
          .rawText()
          .slice(before)
          .replace(/\x1b\[\d+A\r\x1b\[2K[^\x1b]*\x1b\[\d+B\r/g, ''),
      ).toBe('');
    } finally {
      store.close();
    }
  });
});
