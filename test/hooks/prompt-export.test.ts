import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { guardedShell, runLine } from './harness.js';

// A guarded production shell exports PRODGUARD_PRODUCTION (for status lines), and
// `prodguard prompt` run inside it says production; after leaving production it is gone.

describe.each(['bash', 'zsh'] as const)('%s: PRODGUARD_PRODUCTION and prodguard prompt', (shell) => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d?.dispose();
  });

  it('is exported in production and unset outside it', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: { ENV: 'production' } });
    try {
      expect(await runLine(sh, 'echo "[p=${PRODGUARD_PRODUCTION-unset}]"')).toMatch(/\[p=1\]/);
      expect(await runLine(sh, `"${process.execPath}" "${cliMain}" prompt; echo "rc=$?"`)).toMatch(/PROD production\s+rc=0/);
      await runLine(sh, 'export ENV=staging');
      expect(await runLine(sh, 'echo "[p=${PRODGUARD_PRODUCTION-unset}]"')).toMatch(/\[p=unset\]/);
      expect(await runLine(sh, `"${process.execPath}" "${cliMain}" prompt; echo "rc=$?"`)).toMatch(/rc=1/);
    } finally {
      await sh.close();
    }
  });
});
