import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import type { ShellSession } from '../helpers/pty.js';
import { spawnWrap } from '../wrap/harness.js';
import { answer, expectQuestion, guardedShell, PROMPT, QUESTION, runLine, scratch, victim, waitRows, type EventRow } from './harness.js';

// The guard's word is the truth (issue 13), end to end in real interactive bash and zsh under a
// pty against a real daemon: history re-runs of a cancelled line ask again with the same phrase,
// every off switch and every leave / re-enter of production is its own row, production seen
// from a kube context or a terraform workspace alone. Each destructive line aims at a victim
// directory that must survive.

const SHELLS = ['bash', 'zsh'] as const;
const prod = { ENV: 'production' };

/** The re-run forms of each shell, typed after `rm -rf DIR` was cancelled. */
const RERUNS: Record<(typeof SHELLS)[number], string[]> = {
  bash: ['!!', '!rm', '!#N', '^-rf^-fr', 'fc -s', 'fc -s rm', 'fc -s -1', 'fc -e -', 'true && fc -s rm'],
  zsh: ['!!', '!rm', '!#N', '^-rf^-fr', 'r', 'r rm', 'r -1', 'fc -e -', 'fc -s rm'],
};

describe.each(SHELLS)('%s hook keeps its word', (shell) => {
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];
  const q = (sql: string, ...p: unknown[]): EventRow[] => d.rows<EventRow>(sql, ...p);
  const start = async (opts: Partial<Parameters<typeof guardedShell>[1]> = {}): Promise<ShellSession> => {
    const sh = await guardedShell(shell, { home: d.home, ...opts });
    open.push(sh);
    return sh;
  };

  beforeAll(async () => {
    d = await startDaemon();
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  it('a re-run of a cancelled line (history expansion, fc, r) asks again with the same phrase', async () => {
    const sh = await start({ env: prod });
    const dir = victim(tmp.dir, `${shell}-rerun`);
    const line = `rm -rf ${dir}`;
    const phrase = await expectQuestion(sh, `${line}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir)).toBe(true);
    for (const form of RERUNS[shell]) {
      let keys = form;
      if (form === '!#N') {
        // `!n`: the number of the cancelled line, read from the shell's own history.
        const out = await runLine(sh, 'echo "NUM=$((HISTCMD - 1))"');
        keys = `!${/NUM=(\d+)/.exec(out)![1]}`;
      }
      const asked = await expectQuestion(sh, `${keys}\r`);
      expect(asked, form).toBe(phrase);
      await answer(sh, 'no');
      expect(existsSync(dir), form).toBe(true);
    }
    expect(await runLine(sh, 'echo rerun-done')).toContain('rerun-done');
    const rows = await waitRows(
      q,
      sh.pid,
      (r) => r.filter((x) => x.decision === 'cancelled').length >= RERUNS[shell].length + 1,
      'every re-run cancelled',
    );
    // Nothing that removed the directory was recorded as allowed, and no cancelled line has a result.
    expect(rows.filter((r) => r.kind === 'command' && r.decision === 'allowed' && (r.command ?? '').includes(dir))).toEqual([]);
    const cancelled = new Set(rows.filter((r) => r.decision === 'cancelled').map((r) => r.cmd));
    expect(rows.filter((r) => r.kind === 'result' && cancelled.has(r.cmd))).toEqual([]);
    expect(rows.some((r) => r.kind === 'tampered')).toBe(false);
  });

  // `alias r='fc -s'` (ksh's habit) and a re-run inside a list: the alias's fc is still a re-run
  // (zsh: under the user's sh_glob and ksh_arrays, which the Enter widget runs under).
  it('a re-run through an alias, or inside a list, asks again with the same phrase', async () => {
    const sh = await start({ env: prod });
    const dir = victim(tmp.dir, `${shell}-alias-rerun`);
    const forms =
      shell === 'bash'
        ? { define: "alias r='fc -s' again='r'", forms: ['r', 'again', 'r rm', 'true && r rm', 'true && again', 'r rm >/dev/null'] }
        : {
            define: "setopt sh_glob ksh_arrays; alias again='fc -e -' redo='again' rr='r'",
            forms: ['again', 'redo', 'rr', 'true && r', 'true && again', ': ; r rm', 'r >/dev/null', 'r 2>&1 rm', 'r nosuch'],
          };
    await runLine(sh, forms.define);
    const phrase = await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    for (const form of forms.forms) {
      const asked = await expectQuestion(sh, `${form}\r`);
      expect(asked, form).toBe(phrase);
      await answer(sh, 'no');
      expect(existsSync(dir), form).toBe(true);
    }
    expect(await runLine(sh, 'echo alias-rerun-done')).toContain('alias-rerun-done');
    expect(existsSync(dir)).toBe(true);
  });

  it('every off switch and every leave / re-enter of production is its own row, with its cause', async () => {
    const sh = await start({ env: prod });
    await runLine(sh, 'export PRODGUARD_DISABLE=true');
    await runLine(sh, 'unset PRODGUARD_DISABLE');
    await runLine(sh, 'export PRODGUARD_DISABLE=On');
    await runLine(sh, 'unset PRODGUARD_DISABLE');
    await runLine(sh, 'unset ENV');
    await runLine(sh, 'export ENV=production');
    await runLine(sh, 'unset ENV');
    await runLine(sh, 'export ENV=prod');
    const rows = await waitRows(q, sh.pid, (r) => r.filter((x) => x.kind === 'session-start').length >= 5, 'five session starts');
    const events = rows.filter((r) => r.kind !== 'command' && r.kind !== 'result').map((r) => `${r.kind}:${r.command ?? ''}`);
    expect(events).toEqual([
      'session-start:load',
      'disabled:disable',
      'session-end:disable',
      'enabled:enable',
      'session-start:enable',
      'disabled:disable',
      'session-end:disable',
      'enabled:enable',
      'session-start:enable',
      'session-end:signals',
      'session-start:signals',
      'session-end:signals',
      'session-start:signals',
    ]);
  });

  it('a kube context file alone makes the shell production: the marker shows and rm -rf asks; switching the context leaves', async () => {
    const home = join(tmp.dir, `${shell}-kubehome`);
    mkdirSync(join(home, '.kube'), { recursive: true });
    const kube = join(home, '.kube', 'config');
    writeFileSync(kube, 'apiVersion: v1\nkind: Config\ncurrent-context: prod-eu\n');
    const sh = await start({ env: { HOME: home } });
    expect(sh.text()).toContain('[PRODUCTION]');
    const dir = victim(tmp.dir, `${shell}-kube`);
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir)).toBe(true);
    writeFileSync(kube, 'apiVersion: v1\nkind: Config\ncurrent-context: staging\n');
    await runLine(sh, 'true');
    const since = sh.mark();
    sh.line(`rm -rf ${dir}`);
    await sh.waitFor(PROMPT, { since });
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(dir), `dir removed by the confirmed line`);
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'session-end'), 'the session end');
    expect(rows.find((r) => r.kind === 'command' && r.decision === 'cancelled')).toBeDefined();
  });

  it('TF_WORKSPACE=prod alone makes the shell production', async () => {
    const sh = await start({ env: { TF_WORKSPACE: 'prod' } });
    expect(sh.text()).toContain('[PRODUCTION]');
    const dir = victim(tmp.dir, `${shell}-tf`);
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir)).toBe(true);
  });

  it('PRODGUARD_DISABLE=true (and other spellings) turn the guard off, and each is recorded', async () => {
    const sh = await start({ env: { ...prod, PRODGUARD_DISABLE: 'true' } });
    expect(sh.text()).not.toContain('[PRODUCTION]');
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'disabled'), 'the disabled row');
    expect(rows.filter((r) => r.kind === 'disabled')).toHaveLength(1);
  });
});

/** Tampering lines, each followed by a destructive line that must still be held. */
const TAMPERS: Record<(typeof SHELLS)[number], Array<{ line: string; cause: RegExp; said?: RegExp }>> = {
  bash: [
    { line: 'shopt -u extdebug', cause: /extdebug/ },
    { line: 'trap - DEBUG', cause: /debug-trap-removed/ },
    { line: "trap 'true' DEBUG", cause: /debug-trap-replaced/ },
    { line: '__pg_decide() { return 0; }', cause: /function:__pg_decide/ },
    { line: '__pg_debug() { return 0; }', cause: /function:__pg_debug/ },
    // functrace is not what the guard stands on (extdebug is) and was already off: nothing to
    // restore, but the attempt is reported as what it was.
    {
      line: 'set +T',
      cause: /^attempt: functrace off, the guard does not rest on it, nothing to restore$/,
      said: /this line turned functrace off; the guard rests on extdebug and still holds; this is recorded and alerted\./,
    },
    { line: 'set +o functrace; true', cause: /^attempt: functrace off/, said: /this line turned functrace off/ },
    { line: 'shopt -u -o functrace', cause: /^attempt: functrace off/, said: /this line turned functrace off/ },
  ],
  zsh: [
    { line: "bindkey '^M' .accept-line", cause: /key-binding/ },
    { line: 'zle -A .accept-line accept-line', cause: /widget:accept-line/ },
    { line: 'my-enter() { zle .accept-line }; zle -N my-enter; bindkey "^M" my-enter', cause: /key-binding/ },
    { line: 'my-accept() { zle .accept-line }; zle -N accept-line my-accept', cause: /widget:accept-line/ },
    { line: '__pg_decide() { return 0 }', cause: /function:__pg_decide/ },
    { line: 'zle -N accept-and-hold my-accept', cause: /widget:accept-and-hold/ },
  ],
};

describe.each(SHELLS)('%s hook re-asserts itself', (shell) => {
  let d: TestDaemon;
  let slack: FakeSlack;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];
  const q = (sql: string, ...p: unknown[]): EventRow[] => d.rows<EventRow>(sql, ...p);

  beforeAll(async () => {
    slack = await startFakeSlack();
    d = await startDaemon({
      config: { alerts: { targets: [{ name: 'ops', type: 'slack', url: slack.url, events: ['tampered'], perMinute: 1000 }] } },
    });
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    await slack?.close();
    tmp?.dispose();
  });

  it.each(TAMPERS[shell].map((t) => [t.line, t] as const))(
    'after `%s` the next destructive line is still held, and the change is recorded and alerted',
    async (_l, t) => {
      const sh = await guardedShell(shell, { home: d.home, env: prod });
      open.push(sh);
      const dir = victim(tmp.dir, `${shell}-tamper-${TAMPERS[shell].indexOf(t)}`);
      // The tampering line itself may be questioned by the engine: answered with its phrase.
      const since = sh.mark();
      sh.line(t.line);
      const first = await Promise.race([
        sh.waitFor(QUESTION, { since }).then((m) => m[1]!),
        sh.waitFor(new RegExp(`${PROMPT.source}`), { since: since + t.line.length }).then(() => null),
      ]);
      if (first !== null) await answer(sh, first);
      await expectQuestion(sh, `rm -rf ${dir}\r`);
      await answer(sh, 'no');
      expect(existsSync(dir)).toBe(true);
      expect(sh.text()).toMatch(t.said ?? /prodguard: the guard was changed in this shell \(.*\): restored; this is recorded and alerted\./);
      const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'tampered'), 'the tampered row');
      const tampered = rows.filter((r) => r.kind === 'tampered');
      expect(tampered.map((r) => r.command).join(' '), t.line).toMatch(t.cause);
      // The alert names this shell's session (host-PID-...).
      await slack.waitFor((reqs) => reqs.some((r) => r.body.includes(`-${sh.pid}-`)), 15_000);
    },
  );

  if (shell === 'bash')
    it('functrace the user had on before production: turned off, it is restored and recorded', async () => {
      const sh = await guardedShell(shell, { home: d.home, env: prod, before: 'set -T' });
      open.push(sh);
      expect(await runLine(sh, 'echo "flags:$-"')).toMatch(/flags:\S*T/);
      await runLine(sh, 'set +T');
      expect(sh.text()).toMatch(/the guard was changed in this shell \(functrace\): restored/);
      expect(await runLine(sh, 'echo "flags:$-"')).toMatch(/flags:\S*T/);
      const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'tampered'), 'the tampered row');
      expect(rows.filter((r) => r.kind === 'tampered').map((r) => r.command)).toEqual(['functrace']);
    });

  it('a user EXIT trap set after load does not lose the session end', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    open.push(sh);
    await runLine(sh, "trap 'echo bye-trap' EXIT");
    await runLine(sh, 'true');
    sh.line('exit');
    const rows = await waitRows(q, sh.pid, (r) => r.some((x) => x.kind === 'session-end'), 'the session end');
    expect(rows.filter((r) => r.kind === 'session-end').map((r) => r.command)).toEqual(['exit']);
    await sh.waitFor(/bye-trap/);
  });
});

describe.each(SHELLS)('%s hook follows config changes', (shell) => {
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];

  beforeAll(async () => {
    d = await startDaemon();
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  it('an open production shell regenerates its production test when the daemon config changed', async () => {
    // PRODGUARD_NO_AUTOSTART only stops the hook from starting a daemon; the CLI is there.
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    open.push(sh);
    const reloads = Number(((await d.request({ op: 'health' })).config as { reloads: number }).reloads);
    d.writeConfig({ production: { variables: ['ENV', 'DEPLOY_TIER'] } });
    await d.kill('SIGHUP');
    await waitFor(async () => Number(((await d.request({ op: 'health' })).config as { reloads: number }).reloads) > reloads, 'the daemon reload');
    // The first line after the change learns it from its reply; the prompt after it regenerates.
    const out = await runLine(sh, 'echo after-change');
    await sh.waitFor(/the configuration changed: this shell's guard was regenerated from it\./, { timeoutMs: 20_000 });
    expect(out).toContain('after-change');
    await runLine(sh, 'export DEPLOY_TIER=prod');
    await runLine(sh, 'unset ENV');
    const dir = victim(tmp.dir, `${shell}-reload`);
    await expectQuestion(sh, `rm -rf ${dir}\r`);
    await answer(sh, 'no');
    expect(existsSync(dir)).toBe(true);
    // Regenerated once: a line more does not regenerate again, and the guard was not flagged.
    const since = sh.mark();
    await runLine(sh, 'echo once');
    expect(sh.text().slice(since)).not.toMatch(/configuration changed|the guard was changed/);
  });
});

describe('prodguard wrap and PRODGUARD_DISABLE', () => {
  it.each(['true', 'YES', ' on '])('PRODGUARD_DISABLE=%j: the client runs unguarded, says so, and a disabled row is recorded', async (value) => {
    const d = await startDaemon();
    const tmp = scratch();
    try {
      const db = join(tmp.dir, 'w.db');
      const wrap = await spawnWrap(['sqlite3', db], { home: d.home, env: { PRODGUARD_DISABLE: value } });
      await wrap.waitFor(/PRODGUARD_DISABLE is set: sqlite3 runs unguarded in production \(recorded\)/);
      await wrap.waitFor(/sqlite> $/);
      wrap.line('.quit');
      await wrap.close();
      const rows = await waitFor(() => {
        const r = d.rows<{ kind: string; shell: string }>("SELECT kind, shell FROM events WHERE kind = 'disabled'");
        return r.length ? r : null;
      }, 'the disabled row');
      expect(rows).toEqual([{ kind: 'disabled', shell: 'wrap' }]);
    } finally {
      await d.dispose();
      tmp.dispose();
    }
  });
});

describe.each(SHELLS)('%s hook: multi-line input is one decision', (shell) => {
  let d: TestDaemon;
  let tmp: ReturnType<typeof scratch>;
  const open: ShellSession[] = [];
  beforeAll(async () => {
    d = await startDaemon();
    tmp = scratch();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await d?.dispose();
    tmp?.dispose();
  });

  // Typed ahead in one write (what a terminal without bracketed paste delivers), and pasted with
  // bracketed-paste markers then Enter.
  it.each([
    ['typed ahead', (b: string) => b.replace(/\n/g, '\r')],
    ['bracketed paste', (b: string) => `\x1b[200~${b.replace(/\n/g, '\r')}\x1b[201~\r`],
  ] as const)('%s: a three-line block with a destructive middle line runs nothing until answered; a cancel drops it all', async (_how, keys) => {
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    open.push(sh);
    const dir = victim(tmp.dir, `${shell}-paste-${_how.replace(' ', '-')}`);
    const first = join(tmp.dir, `${shell}-${_how.replace(' ', '-')}-first`);
    const third = join(tmp.dir, `${shell}-${_how.replace(' ', '-')}-third`);
    const block = `touch ${first}\nrm -rf ${dir}\ntouch ${third}\n`;
    await expectQuestion(sh, keys(block));
    // Asked before anything of the block ran.
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(first), `first removed by the confirmed line`);
    const out = await answer(sh, 'no');
    await sh.waitFor(/none of the 3 lines of that input ran; dropped:/);
    expect(existsSync(dir)).toBe(true);
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(first), `first removed by the confirmed line`);
    // zsh redraws the prompt and the line before running it: wait for the line's effect.
    await waitFor(() => !existsSync(third), `third removed by the confirmed line`);
    expect(out).not.toMatch(/No such file/);
  });

  it('a benign block typed ahead runs every line once, in order; a confirmed one runs whole', async () => {
    const sh = await guardedShell(shell, { home: d.home, env: prod });
    open.push(sh);
    const log = join(tmp.dir, `${shell}-order.log`);
    sh.write(`echo one >>${log}\recho two >>${log}\recho three >>${log}\r`);
    await waitFor(() => (existsSync(log) && readFileSync(log, 'utf8') === 'one\ntwo\nthree\n' ? true : null), 'the three lines in order');
    await runLine(sh, 'echo settled');
    const dir = victim(tmp.dir, `${shell}-paste-confirmed`);
    const after = join(tmp.dir, `${shell}-after-confirmed`);
    const phrase = await expectQuestion(sh, `rm -rf ${dir}\rtouch ${after}\r`);
    await answer(sh, phrase);
    await waitFor(() => (existsSync(after) && !existsSync(dir) ? true : null), 'both lines of the confirmed block ran');
    expect(readFileSync(log, 'utf8')).toBe('one\ntwo\nthree\n');
  });
});
