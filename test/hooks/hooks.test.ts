import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { requestDaemon } from '../../cli/daemon-client.js';
import { resolvePaths } from '../../daemon/paths.js';
import { queryDb, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import type { ShellSession } from '../helpers/pty.js';
import { answer, expectQuestion, guardedShell, PROMPT, rowsOf, runLine, scratch, victim, waitRows, type EventRow } from './harness.js';

// End to end: a real daemon, real interactive bash and zsh under a pty with the hook that
// `prodguard init` prints, keys typed as a user types them, the audit DB read back.

const SHELLS = ['bash', 'zsh'] as const;
const prod = { ENV: 'production' };
/** A critical rule on a command that does not exist: harmless if it ever slipped through. */
const config = {
  rules: {
    custom: [
      {
        id: 'test.forbidden',
        domain: 'test',
        severity: 'critical',
        reason: 'a command that is never run here',
        alternative: 'none',
        match: { command: ['pg-forbidden'] },
      },
    ],
  },
};

describe.each(SHELLS)('%s hook', (shell) => {
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];
  const q = (sql: string, ...p: unknown[]): EventRow[] => d.rows<EventRow>(sql, ...p);
  const start = async (opts: Parameters<typeof guardedShell>[1] extends infer O ? Partial<O> : never = {}): Promise<ShellSession> => {
    const sh = await guardedShell(shell, { home: d.home, ...opts });
    open.push(sh);
    return sh;
  };

  beforeAll(async () => {
    d = await startDaemon({ config });
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  it('runs benign lines and records each with its exit code and duration', async () => {
    const sh = await start({ env: prod });
    expect(await runLine(sh, 'echo hello-$((6*7))')).toContain('hello-42');
    await runLine(sh, 'false');
    const rows = await waitRows(q, sh.pid, (r) => r.filter((x) => x.kind === 'result').length >= 2, 'two results');
    const cmd = rows.find((r) => r.kind === 'command' && r.command === 'echo hello-$((6*7))');
    expect(cmd?.decision).toBe('allowed');
    const res = rows.filter((r) => r.kind === 'result');
    expect(res.map((r) => r.exit)).toEqual([0, 1]);
    expect(res.every((r) => typeof r.duration_ms === 'number' && r.duration_ms >= 0)).toBe(true);
    expect(res[0]!.cmd).toBe(cmd!.cmd);
    expect(rows.some((r) => r.kind === 'session-start')).toBe(true);
    expect(rows.every((r) => r.shell === shell && r.via === 'live')).toBe(true);
  });

  it('works in a shell with unset variables as errors (set -u / setopt nounset): runs, records, asks', async () => {
    // Found broken: under `set -u` every line in production was skipped in silence (an unset
    // variable aborted the DEBUG trap), and the production test failed on each prompt. zsh with
    // KSH_ARRAYS as well: the hook's precmd was never installed (an unset element 0).
    const sh = await start({ env: prod, before: shell === 'bash' ? 'set -u' : 'setopt nounset ksh_arrays' });
    expect(await runLine(sh, 'echo strict-$((6*7))')).toContain('strict-42');
    const dir = victim(tmp.dir, `${shell}-strict`);
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir)).toBe(true);
    expect(sh.text()).not.toMatch(/unbound variable|parameter not set/);
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'result'), 'the strict-mode line and its result');
    expect(rows.find((r) => r.kind === 'command' && r.command === 'echo strict-$((6*7))')?.decision).toBe('allowed');
  });

  it('asks before rm -rf: a wrong phrase and Ctrl-C keep the directory, the right phrase removes it', async () => {
    const sh = await start({ env: prod });
    const dir = victim(tmp.dir, `${shell}-data`);
    const line = `rm -rf ${dir}`;

    await expectQuestion(sh, `${line}\r`);
    await answer(sh, 'not-the-phrase');
    expect(existsSync(dir)).toBe(true);

    await expectQuestion(sh, `${line}\r`);
    let since = sh.mark();
    sh.write('\x03');
    await sh.waitFor(PROMPT, { since });
    expect(existsSync(dir)).toBe(true);
    expect(await runLine(sh, 'echo still-usable')).toContain('still-usable');

    const phrase = await expectQuestion(sh, `${line}\r`);
    await answer(sh, phrase);
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(dir), `dir removed by the confirmed line`);

    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.decision === 'confirmed'), 'the confirmed line');
    const decisions = rows.filter((r) => r.kind === 'command' && r.command === line).map((r) => r.decision);
    expect(decisions).toEqual(['cancelled', 'cancelled', 'confirmed']);
    // The refused lines stay in the shell's history.
    since = sh.mark();
    sh.line(shell === 'bash' ? 'history 5' : 'fc -l -5');
    await sh.waitFor(PROMPT, { since });
    expect(sh.text().slice(since)).toContain(line);
  });

  it('guards compound, piped, looped and multi-line input', async () => {
    const sh = await start({ env: prod, before: shell === 'bash' ? 'HISTCONTROL=ignoreboth' : '' });
    const dir = victim(tmp.dir, `${shell}-compound`);
    const attempts = [
      `true && rm -rf ${dir}\r`,
      `echo x | rm -rf ${dir}\r`,
      `for d in ${dir}; do rm -rf "$d"; done\r`,
      `for d in ${dir}\rdo\rrm -rf "$d"\rdone\r`,
      // bash: the leading space keeps the line out of history (ignoreboth); zsh: ESC-a is accept-and-hold.
      shell === 'bash' ? ` rm -rf ${dir}\r` : `rm -rf ${dir}\x1ba`,
    ];
    for (const keys of attempts) {
      await expectQuestion(sh, keys);
      await answer(sh, 'no');
      expect(existsSync(dir), keys).toBe(true);
    }
    if (shell === 'zsh') {
      // ESC-a left the line in the buffer; clear it.
      sh.write('\x15');
    } else {
      // Turning history off is itself a line the engine questions in production.
      await answer(sh, await expectQuestion(sh, 'set +o history\r'));
      await expectQuestion(sh, `rm -rf ${dir}\r`);
      await answer(sh, 'no');
      expect(existsSync(dir)).toBe(true);
    }
    expect(await runLine(sh, 'echo guard-done')).toContain('guard-done');
  });

  it("DRY_RUN=1 rm -rf DIR asks (rm ignores DRY_RUN) and DIR survives a wrong phrase; a team script's DRY_RUN=1 is a dry run", async () => {
    const sh = await start({ env: prod });
    const dir = victim(tmp.dir, `${shell}-dry`);
    const since = sh.mark();
    const phrase = await expectQuestion(sh, `DRY_RUN=1 rm -rf ${dir}\r`);
    const shown = sh.text().slice(since);
    expect(shown).toContain(`rm ignores DRY_RUN; its dry run is: ls -ld ${dir}`);
    expect(shown).not.toContain('prefix the line with DRY_RUN=1');
    await answer(sh, `${phrase}-not`);
    expect(existsSync(dir)).toBe(true);

    // The team's own script reads the variable: its prefix is a real dry run, not asked about.
    const script = join(tmp.dir, `${shell}-team-script.sh`);
    writeFileSync(script, '#!/bin/sh\necho "team-script DRY_RUN=$DRY_RUN"\n', { mode: 0o755 });
    const out = await runLine(sh, `DRY_RUN=1 ${script}`);
    expect(out).toContain('team-script DRY_RUN=1');
    expect(out).not.toMatch(/Type "/);
    const rows = await waitRows(q, sh.pid, (r) => r.filter((x) => x.kind === 'command').length >= 2, 'both lines');
    expect(rows.filter((r) => r.kind === 'command').map((r) => [r.command, r.decision])).toEqual([
      [`DRY_RUN=1 rm -rf ${dir}`, 'cancelled'],
      [`DRY_RUN=1 ${script}`, 'dry-run'],
    ]);
  });

  it('DRY_RUN=1 does not lift a block: DRY_RUN=1 mkfs.ext4 is refused', async () => {
    const sh = await start({ env: prod });
    const out = await runLine(sh, 'DRY_RUN=1 mkfs.ext4 /dev/pg-no-such-disk');
    expect(out).toMatch(/BLOCKED/);
    expect(out).toContain('mkfs.ext4 ignores DRY_RUN');
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'command'), 'the blocked line');
    expect(rows.find((r) => r.kind === 'command')?.decision).toBe('blocked');
  });

  it('never runs a blocked line, records it as blocked and keeps it in history', async () => {
    const sh = await start({ env: prod });
    const out = await runLine(sh, 'pg-forbidden --now');
    expect(out).toMatch(/BLOCKED/);
    expect(out).not.toMatch(/not found/);
    expect(await runLine(sh, 'echo next-line')).toContain('next-line');
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.command === 'echo next-line'), 'both lines');
    expect(rows.find((r) => r.command === 'pg-forbidden --now')?.decision).toBe('blocked');
  });

  it("keeps working with the user's own prompt hooks, DEBUG trap and accept-line widget", async () => {
    // What starship, direnv and bash-preexec do: their own prompt command (resetting the prompt
    // every time), a DEBUG trap (bash), a wrapped accept-line and a precmd (zsh).
    // Loaded before the hook, and (bash) after it: a DEBUG trap set between the hook's load and
    // the first production prompt is chained too.
    const setups: Array<{ before?: string; after?: string }> =
      shell === 'bash'
        ? [
            { before: `PROMPT_COMMAND='PS1="PG\\$ "; __pc=$((__pc+1))'\ntrap '__dbg=$((__dbg+1))' DEBUG` },
            { before: `PROMPT_COMMAND=('PS1="PG\\$ "' '__pc=$((__pc+1))')\ntrap '__dbg=$((__dbg+1))' DEBUG` },
            { before: `PROMPT_COMMAND='PS1="PG\\$ "; __pc=$((__pc+1))'`, after: `trap '__dbg=$((__dbg+1))' DEBUG` },
          ]
        : [
            {
              before: `my-accept() { __dbg=$((__dbg+1)); zle .accept-line }\nzle -N accept-line my-accept\nprecmd() { PROMPT='PG$ '; __pc=$((__pc+1)) }`,
            },
          ];
    for (const setup of setups) {
      const before = JSON.stringify(setup);
      const sh = await start({ env: prod, ...setup });
      const counters = async (): Promise<number[]> => {
        const m = (await runLine(sh, 'echo "pc=$__pc dbg=$__dbg"')).match(/pc=(\d+) dbg=(\d+)/);
        expect(m, before).not.toBeNull();
        return [Number(m![1]), Number(m![2])];
      };
      const [pc1, dbg1] = await counters();
      const [pc2, dbg2] = await counters();
      expect(pc2, before).toBeGreaterThan(pc1!);
      expect(dbg2, before).toBeGreaterThan(dbg1!);
      expect(sh.text()).toMatch(/\[PRODUCTION\] PG\$ $/);
      const dir = victim(tmp.dir, `${shell}-coexist`);
      await expectQuestion(sh, `rm -rf ${dir}\r`);
      await answer(sh, 'no');
      expect(existsSync(dir)).toBe(true);
      await sh.close();
    }
  });

  it('outside production asks nothing and sends nothing; export ENV=production turns it on', async () => {
    const sh = await start();
    const dir = victim(tmp.dir, `${shell}-outside`);
    const out = await runLine(sh, `rm -rf ${dir}`);
    expect(out).not.toMatch(/Type "|PRODUCTION/);
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(dir), `dir removed by the confirmed line`);
    expect(rowsOf(q, sh.pid)).toEqual([]);

    await runLine(sh, 'export ENV=production');
    expect(await runLine(sh, 'echo marked')).toMatch(/\[PRODUCTION\] PG\$ $/);
    const dir2 = victim(tmp.dir, `${shell}-outside2`);
    await expectQuestion(sh, `rm -rf ${dir2}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir2)).toBe(true);
    await waitRows(q, sh.pid, (r) => r.some((x) => x.decision === 'cancelled'), 'the cancelled line');
  });

  it('PRODGUARD_DISABLE=1 turns the guard off and the daemon records it once', async () => {
    const sh = await start({ env: { ...prod, PRODGUARD_DISABLE: '1' } });
    const dir = victim(tmp.dir, `${shell}-disabled`);
    expect(await runLine(sh, `rm -rf ${dir}`)).not.toMatch(/Type "/);
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(dir), `dir removed by the confirmed line`);
    await runLine(sh, 'true');
    const rows = await waitRows(q, sh.pid, (r) => r.length > 0, 'the disabled event');
    expect(rows.map((r) => r.kind)).toEqual(['disabled']);
  });
});

describe('hooks: cases found in review', () => {
  // Found in review of this stop's hook changes (one of them, reading the line from the Enter
  // binding instead of history, since dropped): each of these ran a destructive line unasked.
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  beforeAll(async () => {
    d = await startDaemon();
    tmp = scratch();
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  describe('bash: the line that runs is the line judged', () => {
    it('a key macro that rewrites the line after the Enter binding ran (bound before production and in it)', async () => {
      for (const where of ['before production', 'in production']) {
        const dir = victim(tmp.dir, `bash-macro-${where.replace(' ', '-')}`);
        const bindLine = `bind '"\\C-t": "\\C-x\\C-g\\C-p\\C-a\\C-krm -rf ${dir}\\C-x\\C-g\\C-a"'`;
        const sh = await guardedShell('bash', { home: d.home, ...(where === 'in production' ? { env: prod } : {}) });
        try {
          await runLine(sh, bindLine);
          if (where === 'before production') await runLine(sh, 'export ENV=production');
          sh.write(':');
          await expectQuestion(sh, '\x14');
          await answer(sh, 'no');
          expect(existsSync(dir), where).toBe(true);
        } finally {
          await sh.close();
        }
      }
    });

    it('a continuation line accepted with Ctrl-O (operate-and-get-next) is judged with the whole command', async () => {
      const dir = victim(tmp.dir, 'bash-ctrl-o');
      const sh = await guardedShell('bash', { home: d.home, env: prod });
      try {
        sh.write(`rm -rf ${dir} \\`);
        sh.write('\x0f');
        await sh.waitFor(/> $/);
        await expectQuestion(sh, '--verbose\r');
        await answer(sh, 'no');
        expect(existsSync(dir)).toBe(true);
      } finally {
        await sh.close();
      }
    });

    it('a tool appending to PROMPT_COMMAND as an array (PROMPT_COMMAND+=(x)) does not run after the guard', async () => {
      const dir = victim(tmp.dir, 'bash-pc-array');
      const sh = await guardedShell('bash', { home: d.home, env: prod });
      try {
        await runLine(sh, "PROMPT_COMMAND+=('PS0=')");
        await runLine(sh, 'echo x');
        await expectQuestion(sh, `rm -rf ${dir}\r`);
        await answer(sh, 'no');
        expect(existsSync(dir)).toBe(true);
      } finally {
        await sh.close();
      }
    });

    // (zsh opens fds above 9 only as `exec {name}>`: a free one.)
    it("a line's own `exec N>>file` on the kept connection's fd number keeps its file: nothing of the hook goes there", async () => {
      const file = join(tmp.dir, 'bash-fdN.log');
      const sh = await guardedShell('bash', { home: d.home, env: prod });
      try {
        await runLine(sh, 'echo warm');
        // The kept connection: the shell's socket fd above 9 (bash gives `{var}` fds from 10 up).
        const fdDir = `/proc/${sh.pid}/fd`;
        const n = readdirSync(fdDir).find((f) => Number(f) >= 10 && readlinkSync(join(fdDir, f)).startsWith('socket:'));
        expect(n).toBeDefined();
        await runLine(sh, `exec ${n}>>${file}`);
        await runLine(sh, `echo a >&${n}`);
        await runLine(sh, `echo b >&${n}`);
        expect(readFileSync(file, 'utf8')).toBe('a\nb\n');
        const rows = await waitRows(
          (sql, ...p) => d.rows<EventRow>(sql, ...p),
          sh.pid,
          (r) => r.filter((x) => x.kind === 'result').length >= 4,
          '4 results',
        );
        expect(rows.every((r) => r.via === 'live')).toBe(true);
      } finally {
        await sh.close();
      }
    });
  });

  describe.each(SHELLS)('%s hook: state the guard keeps across lines', (shell) => {
    it('a production value with white space, then another variable changed: the next line is still judged', async () => {
      // The production test's trimming loop once reused the bash hook's line counter.
      const dir = victim(tmp.dir, `${shell}-ws-value`);
      const sh = await guardedShell(shell, { home: d.home, env: { ENV: 'production\r' } });
      try {
        await runLine(sh, 'export STAGE=qa');
        await expectQuestion(sh, `rm -rf ${dir}\r`);
        await answer(sh, 'no');
        expect(existsSync(dir)).toBe(true);
      } finally {
        await sh.close();
      }
    });
  });
});

describe.each(SHELLS)('%s hook keeps one connection to the daemon', (shell) => {
  // The hook sends a line's check, then its finish at the prompt, then the next line's check on
  // one connection, proven once (bash: the TCP handshake). The daemon closes a connection idle
  // for daemon.idleTimeoutMs (300 ms here): during a long line, and at a long prompt.
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ config: { daemon: { idleTimeoutMs: 300 } } });
  });
  afterAll(async () => {
    await d?.dispose();
  });
  const accepted = async (): Promise<number> => (await d.request({ op: 'health' })).accepted as number;

  it('ten lines in a row take one connection, not one each', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    try {
      await runLine(sh, 'echo first');
      const before = await accepted();
      for (let i = 0; i < 10; i++) await runLine(sh, `echo line-${i}`);
      // (The second health request is a connection of its own.)
      expect((await accepted()) - before - 1).toBe(0);
      const rows = await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) => r.filter((x) => x.kind === 'result').length >= 11,
        '11 results',
      );
      expect(rows.filter((r) => r.kind === 'command').map((r) => r.command)).toEqual([
        'echo first',
        ...Array.from({ length: 10 }, (_, i) => `echo line-${i}`),
      ]);
      expect(rows.every((r) => r.via === 'live')).toBe(true);
    } finally {
      await sh.close();
    }
  });

  it('a line that runs past the idle timeout, and a long prompt, record live: nothing is spooled or said', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    try {
      await runLine(sh, 'sleep 1');
      await runLine(sh, 'echo after-long-line');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await runLine(sh, 'echo after-long-prompt')).toContain('after-long-prompt');
      const rows = await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) => r.filter((x) => x.kind === 'result').length >= 3,
        '3 results',
      );
      const commands = rows.filter((r) => r.kind === 'command');
      expect(commands.map((r) => r.command)).toEqual(['sleep 1', 'echo after-long-line', 'echo after-long-prompt']);
      expect(rows.filter((r) => r.kind === 'result').map((r) => [r.cmd, r.exit, r.via])).toEqual(commands.map((r) => [r.cmd, 0, 'live']));
      expect(rows.every((r) => r.via === 'live')).toBe(true);
      const spool = resolvePaths({ PRODGUARD_HOME: d.home }).spoolDir;
      const spooled = existsSync(spool) ? readdirSync(spool).filter((f) => f.endsWith('.ndjson') && statSync(join(spool, f)).size > 0) : [];
      expect(spooled).toEqual([]);
      expect(sh.text()).not.toMatch(/prodguard: (could not|the daemon)/);
    } finally {
      await sh.close();
    }
  });
});

describe.each(SHELLS)('%s hook when the daemon dies', (shell) => {
  it('a line after the daemon closed the connection it kept (restart between lines) goes live; the result before it lands once', async () => {
    // The hook sends a line's finish at the prompt and the next line's check on that connection;
    // here that connection is closed by the daemon (a restart; an idle timeout does the same)
    // with the finish's reply still unread.
    let d = await startDaemon();
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    try {
      await runLine(sh, 'echo before-restart');
      await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) => r.some((x) => x.kind === 'result'),
        'the first result',
      );
      await d.stop();
      d = await startDaemon({ home: d.home });
      expect(await runLine(sh, 'echo after-restart')).toContain('after-restart');
      expect(sh.text()).not.toMatch(/unreachable|could not/);
      const rows = await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) => r.filter((x) => x.kind === 'result').length >= 2,
        'both results',
      );
      expect(rows.filter((r) => r.kind === 'command').map((r) => [r.command, r.via])).toEqual([
        ['echo before-restart', 'live'],
        ['echo after-restart', 'live'],
      ]);
      expect(rows.filter((r) => r.kind === 'result').map((r) => r.cmd)).toEqual(rows.filter((r) => r.kind === 'command').map((r) => r.cmd));
    } finally {
      await sh.close();
      await d.dispose();
    }
  });

  it('survives, still asks (local check), and the spool reaches the restarted daemon', async () => {
    let d = await startDaemon();
    const tmp = scratch();
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    try {
      await runLine(sh, 'echo before-kill');
      await d.kill('SIGKILL');
      // Two lines right after the kill: bash used to die of SIGPIPE on the second write.
      expect(await runLine(sh, 'echo after-kill-1')).toContain('after-kill-1');
      expect(await runLine(sh, 'echo after-kill-2')).toContain('after-kill-2');
      const dir = victim(tmp.dir, `${shell}-dead`);
      const phrase = await expectQuestion(sh, `rm -rf ${dir}\r`);
      expect(sh.text()).toMatch(/daemon is unreachable/);
      await answer(sh, 'no');
      expect(existsSync(dir)).toBe(true);
      expect(sh.alive).toBe(true);
      // Spool files are private: 0600 in a 0700 directory.
      expect(statSync(d.paths.spoolDir).mode & 0o777).toBe(0o700);
      const spoolFiles = readdirSync(d.paths.spoolDir).filter((f) => f.endsWith('.ndjson'));
      expect(spoolFiles).toHaveLength(1);
      expect(statSync(join(d.paths.spoolDir, spoolFiles[0]!)).mode & 0o777).toBe(0o600);

      d = await startDaemon({ home: d.home });
      const rows = await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) =>
          r.some((x) => x.decision === 'cancelled' && x.via === 'spool') && r.filter((x) => x.via === 'spool' && x.kind === 'result').length >= 2,
        'spooled records',
        20_000,
      );
      const spooled = rows.filter((r) => r.via === 'spool');
      expect(spooled.map((r) => r.command).filter(Boolean)).toEqual(['echo after-kill-1', 'echo after-kill-2', `rm -rf ${dir}`]);
      expect(phrase.length).toBeGreaterThan(0);
      // Live again: the next line goes straight to the new daemon (bash re-reads the port file).
      await runLine(sh, 'echo back-live');
      await waitRows(
        (sql, ...p) => d.rows<EventRow>(sql, ...p),
        sh.pid,
        (r) => r.some((x) => x.command === 'echo back-live' && x.via === 'live'),
        'a live row',
      );
    } finally {
      await sh.close();
      await d.dispose();
      tmp.dispose();
    }
  });
});

describe.each(SHELLS)('%s hook with no daemon running', (shell) => {
  // The hook starts the daemon of the home it was generated for, also when the shell does not
  // export PRODGUARD_HOME (`eval "$(PRODGUARD_HOME=/x prodguard init bash)"`).
  it.each([
    ['exported', true],
    ['not exported', false],
  ])(
    'starts the daemon in the background (PRODGUARD_HOME %s); the lines from before it was up are not lost',
    async (_, exported) => {
      const home = tempHome();
      const paths = resolvePaths({ PRODGUARD_HOME: home });
      const sh = await guardedShell(shell, { home, env: { ...prod, PRODGUARD_NO_AUTOSTART: '', ...(exported ? {} : { PRODGUARD_HOME: '' }) } });
      try {
        await runLine(sh, 'echo no-daemon-yet');
        // Each line that finds no daemon may try again (at most every 10 s): keep typing until it is up.
        await waitFor(
          async () => {
            const up = await requestDaemon(paths, { op: 'health' }, { timeoutMs: 500 }).then(
              (h) => h.ok === true,
              () => false,
            );
            if (!up) await runLine(sh, ':');
            return up;
          },
          'the daemon the hook started',
          40_000,
          500,
        );
        await runLine(sh, 'echo daemon-up');
        const rows = await waitRows(
          (sql, ...p) => d().rows(sql, ...p),
          sh.pid,
          (r) => r.some((x) => x.command === 'echo daemon-up' && x.via === 'live') && r.some((x) => x.command === 'echo no-daemon-yet'),
          'both lines',
          30_000,
        );
        expect(rows.filter((r) => r.kind === 'session-start')).toHaveLength(1);
      } finally {
        await sh.close();
        const pid = existsSync(paths.pidFile) ? Number(readFileSync(paths.pidFile, 'utf8').trim()) : 0;
        if (pid > 0) {
          process.kill(pid, 'SIGTERM');
          await waitFor(
            () => {
              try {
                process.kill(pid, 0);
                return false;
              } catch {
                return true;
              }
            },
            'the daemon to exit',
            10_000,
          );
        }
        rmSync(home, { recursive: true, force: true });
      }

      function d(): { rows: (sql: string, ...p: unknown[]) => EventRow[] } {
        return { rows: (sql, ...p) => queryDb<EventRow>(paths.dbFile, sql, p) };
      }
    },
    90_000,
  );
});

// bash reads the line from `history 1` through a file in the spool directory (no fork): what it
// read is blanked while the daemon judges the line, or after the decision when there is no
// daemon. No command text stays on disk: after a line, while a question waits, without a daemon.
describe('bash hook line file', () => {
  const lineFile = (home: string, pid: number): string => join(resolvePaths({ PRODGUARD_HOME: home }).spoolDir, `.line.${pid}`);
  const holds = (file: string, marker: string): boolean => existsSync(file) && readFileSync(file, 'utf8').includes(marker);

  it('keeps no command text after a line and while its question waits', async () => {
    const d = await startDaemon();
    const tmp = scratch();
    const sh = await guardedShell('bash', { home: d.home, env: prod });
    try {
      const file = lineFile(d.home, sh.pid);
      await runLine(sh, 'echo pg-marker-one');
      expect(existsSync(file)).toBe(true);
      expect(holds(file, 'pg-marker-one')).toBe(false);
      const dir = victim(tmp.dir, 'linefile');
      await expectQuestion(sh, `rm -rf ${dir} # pg-marker-two\r`);
      expect(holds(file, 'pg-marker-two')).toBe(false);
      await answer(sh, 'no');
      expect(existsSync(dir)).toBe(true);
    } finally {
      await sh.close();
      await d.dispose();
      tmp.dispose();
    }
  });

  it('keeps no command text when the daemon is not there', async () => {
    const home = tempHome();
    const sh = await guardedShell('bash', { home, env: prod });
    try {
      await runLine(sh, 'echo pg-marker-three');
      const file = lineFile(home, sh.pid);
      expect(existsSync(file)).toBe(true);
      expect(holds(file, 'pg-marker-three')).toBe(false);
    } finally {
      await sh.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
