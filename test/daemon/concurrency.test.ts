import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../daemon/store/index.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { check, finish, session } from './requests.js';

// The must-show: 50 shells sending 200 lines each at once, no record lost or duplicated.
// Each "shell" is a loop here that, like the hooks, opens a new connection per request: zsh-like
// shells over the unix socket, bash-like ones over loopback TCP with the token.

const SHELLS = 50;
const LINES = 200;
const BENIGN = ['ls -la', 'git status', 'kubectl get pods', 'cat README.md', 'echo done', 'df -h', 'ps aux | grep node'];

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.dispose();
});

describe('daemon under 50 concurrent shells', () => {
  it('records exactly 50 x 200 commands and results, and the chain verifies', async () => {
    d = await startDaemon();
    const daemon = d;
    const shell = async (n: number): Promise<void> => {
      const id = `shell-${n}`;
      const transport = n % 2 ? 'tcp' : 'unix';
      const send = async (req: Record<string, unknown>): Promise<void> => {
        const r = await daemon.request(req, { transport, timeoutMs: 30_000 });
        if (r.ok !== true) throw new Error(`${id}: ${JSON.stringify(r)}`);
      };
      await send(session(id, 'start', { origin: { session: id, shell: n % 2 ? 'bash' : 'zsh', pid: 1000 + n } }));
      for (let i = 1; i <= LINES; i++) {
        await send(check(id, i, `${BENIGN[i % BENIGN.length]!} # ${n}/${i}`));
        await send(finish(id, i, i % 7 === 0 ? 1 : 0));
      }
    };
    await Promise.all(Array.from({ length: SHELLS }, (_, n) => shell(n)));

    const count = (kind: string): number =>
      daemon.rows<{ n: number }>('SELECT count(*) AS n FROM events WHERE kind = ? AND session LIKE ?', kind, 'shell-%')[0]!.n;
    expect(count('command')).toBe(SHELLS * LINES);
    expect(count('result')).toBe(SHELLS * LINES);
    expect(count('session-start')).toBe(SHELLS);
    const dupes = daemon.rows('SELECT session, cmd, kind, count(*) AS n FROM events WHERE cmd IS NOT NULL GROUP BY 1, 2, 3 HAVING n > 1');
    expect(dupes).toEqual([]);
    const perShell = daemon.rows<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE kind = 'command' GROUP BY session HAVING session LIKE 'shell-%'",
    );
    expect(perShell.every((r) => r.n === LINES)).toBe(true);

    const store = openStore(daemon.paths.dbFile, { readonly: true });
    try {
      const v = store.verify();
      expect(v.problem).toBeNull();
      expect(v.ok).toBe(true);
      expect(v.rows).toBe(2 * SHELLS * LINES + SHELLS);
    } finally {
      store.close();
    }
  }, 400_000);
});
