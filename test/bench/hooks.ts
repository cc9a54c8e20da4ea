import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPty } from 'node-pty';
import { renderHook, type HookShell } from '../../cli/init.js';
import { defaultConfig, loadConfig } from '../../daemon/config/load.js';
import { startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { cleanEnv } from '../helpers/pty.js';
import { fmt, summarize, type BenchFigure, type BenchSection, type Summary } from './report.js';

// The hook's cost per command line in a real interactive bash and zsh under a pty: the time from
// writing a benign line (`:`) to seeing the next prompt, for the same shell without the hook, with
// the hook outside production and with it inside production (a real daemon recording every line).
// The three shells of one kind run side by side, one line each in turn, so drift hits all alike.

// 1,000 lines: the p99 of 300 was the 3rd-worst sample, and moved by ~2 ms between runs.
const LINES = Number(process.env.PRODGUARD_BENCH_HOOK_LINES ?? 1000);
const WARMUP = 20;
const PROMPT = 'PGB> ';

type Variant = 'bare' | 'outside' | 'inside' | 'beforeOutside' | 'beforeInside';

/**
 * PRODGUARD_BENCH_HOOK_BEFORE=<dir of another prodguard build>: the hook that build prints runs in
 * the same pass (outside and inside production), for a same-run comparison of a hook change.
 */
const BEFORE = process.env.PRODGUARD_BENCH_HOOK_BEFORE;

interface Shell {
  pty: IPty;
  dir: string;
  /** Resolves when PROMPT shows up in the output after the last reset. */
  next(): Promise<void>;
}

async function spawnBenchShell(shell: HookShell, rc: string, env: Record<string, string>): Promise<Shell> {
  const { spawn } = await import('node-pty');
  const dir = mkdtempSync(join(tmpdir(), `pg-bench-${shell}-`));
  const e = cleanEnv(dir, { NO_COLOR: '1', ...env });
  let args: string[];
  if (shell === 'bash') {
    writeFileSync(join(dir, '.bashrc'), `PS1='${PROMPT}'\n${rc}`);
    args = ['--noprofile', '--rcfile', join(dir, '.bashrc'), '-i'];
  } else {
    writeFileSync(join(dir, '.zshrc'), `PROMPT='${PROMPT}'\nunsetopt PROMPT_SP\n${rc}`);
    e.ZDOTDIR = dir;
    args = ['-d', '-i'];
  }
  const pty = spawn(shell, args, { name: 'xterm-256color', cols: 200, rows: 50, cwd: dir, env: e });
  let buf = '';
  let waiter: (() => void) | null = null;
  // After a line, the prompt that counts follows the line's newline: a prompt redrawn in place
  // before it (readline redisplays the line after a `bind -x` function, as the bash hook's Enter
  // binding runs one in production) is not the next prompt.
  let afterNewline = false;
  const ready = (): boolean => (afterNewline ? /\n[^\n]*PGB> /.test(buf) : buf.includes(PROMPT));
  pty.onData((d) => {
    buf += d;
    if (waiter && ready()) {
      const w = waiter;
      waiter = null;
      buf = '';
      w();
    }
  });
  const next = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${shell}: no prompt within 10 s; output: ${buf.slice(-300)}`)), 10_000);
      waiter = () => {
        clearTimeout(t);
        resolve();
      };
      if (ready()) {
        waiter = null;
        buf = '';
        clearTimeout(t);
        resolve();
      }
    });
  await next();
  afterNewline = true;
  return { pty, dir, next };
}

async function oneLine(sh: Shell): Promise<number> {
  const done = sh.next();
  const t0 = process.hrtime.bigint();
  sh.pty.write(':\r');
  await done;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** One pass: the three shells of a kind, the hook's against the daemon at `home`. */
async function measure(shell: HookShell, home: string): Promise<Record<Variant, Summary>> {
  const paths = (await import('../../daemon/paths.js')).resolvePaths({ PRODGUARD_HOME: home });
  const hook = renderHook({ shell, config: loadConfig(paths), paths });
  const base = { PRODGUARD_HOME: home, PRODGUARD_NO_AUTOSTART: '1' };
  const shells: Partial<Record<Variant, Shell>> = {
    bare: await spawnBenchShell(shell, '', { ...base, ENV: 'production' }),
    outside: await spawnBenchShell(shell, hook, base),
    inside: await spawnBenchShell(shell, hook, { ...base, ENV: 'production' }),
  };
  const variants: Variant[] = ['bare', 'outside', 'inside'];
  if (BEFORE) {
    const { execFileSync } = await import('node:child_process');
    const old = execFileSync(process.execPath, [join(BEFORE, 'dist', 'cli', 'main.js'), 'init', shell], {
      env: { ...process.env, PRODGUARD_HOME: home },
      encoding: 'utf8',
    });
    shells.beforeOutside = await spawnBenchShell(shell, old, base);
    shells.beforeInside = await spawnBenchShell(shell, old, { ...base, ENV: 'production' });
    variants.push('beforeOutside', 'beforeInside');
  }
  const samples: Record<Variant, number[]> = { bare: [], outside: [], inside: [], beforeOutside: [], beforeInside: [] };
  try {
    for (let i = 0; i < WARMUP + LINES; i++) {
      for (const v of variants) {
        const ms = await oneLine(shells[v]!);
        if (i >= WARMUP) samples[v].push(ms);
      }
    }
  } finally {
    for (const s of Object.values(shells)) {
      if (!s) continue;
      s.pty.kill('SIGKILL');
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
  const sum = (v: Variant): Summary => summarize(samples[v].length ? samples[v] : [0]);
  return {
    bare: sum('bare'),
    outside: sum('outside'),
    inside: sum('inside'),
    beforeOutside: sum('beforeOutside'),
    beforeInside: sum('beforeInside'),
  };
}

/**
 * What __pg_defsjson (the definitions of the line's aliases and functions, engine/reach/) adds to
 * a line, timed inside the shell (EPOCHREALTIME around N calls, less the same loop of `:`): for a
 * line whose first word is an alias, and for one with no alias or function in it.
 */
const DEFS_CALLS = 2000;
async function defsCost(shell: HookShell, home: string): Promise<{ alias: number; plain: number; fn: number }> {
  const paths = (await import('../../daemon/paths.js')).resolvePaths({ PRODGUARD_HOME: home });
  const hook = renderHook({ shell, config: loadConfig(paths), paths });
  const sh = await spawnBenchShell(shell, `${hook}\nalias k=kubectl\nwipe() { rm -rf "$1"; }`, {
    PRODGUARD_HOME: home,
    PRODGUARD_NO_AUTOSTART: '1',
    ENV: 'production',
  });
  try {
    const loop = (body: string): string => `for ((i=0;i<${DEFS_CALLS};i++)); do ${body}; done`;
    // bash: the hook's DEBUG trap (extdebug traces functions) would run for every command of the
    // loop, which the real path (__pg_defsjson runs inside the trap) never pays: off for this line.
    const line =
      (shell === 'bash' ? 'trap - DEBUG; shopt -u extdebug; ' : '') +
      `t0=$EPOCHREALTIME; __pg_line='k get pods -n prod'; ${loop('__pg_defsjson')}; t1=$EPOCHREALTIME; ` +
      `__pg_line='kubectl get pods -n prod'; ${loop('__pg_defsjson')}; t2=$EPOCHREALTIME; ` +
      `__pg_line='wipe /srv/x'; ${loop('__pg_defsjson')}; t3=$EPOCHREALTIME; ${loop(':')}; t4=$EPOCHREALTIME; ` +
      `echo "$t0 $t1 $t2 $t3 $t4" > defs.txt`;
    const done = sh.next();
    sh.pty.write(`${line}\r`);
    await done;
    const [t0, t1, t2, t3, t4] = (await import('node:fs')).readFileSync(join(sh.dir, 'defs.txt'), 'utf8').trim().split(' ').map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const per = (a: number, b: number): number => ((b - a) * 1000) / DEFS_CALLS;
    const empty = per(t3, t4);
    return { alias: per(t0, t1) - empty, plain: per(t1, t2) - empty, fn: per(t2, t3) - empty };
  } finally {
    sh.pty.kill('SIGKILL');
    rmSync(sh.dir, { recursive: true, force: true });
  }
}

function figure(name: string, value: number, limit: number, target: string, baseline: string): BenchFigure {
  return { name, value, unit: 'ms', target, met: value < limit, baseline };
}

/** A daemon as a user gets it: the default config, its start-up warm-up done (server/warmup.ts). */
async function userDaemon(): Promise<{ d: TestDaemon; warmup: string }> {
  const d = await startDaemon({ config: { daemon: { warmupLines: defaultConfig().daemon.warmupLines } } });
  const started = Date.now();
  await waitFor(async () => (await d.request({ op: 'health' })).warmup !== 'running', 'the daemon warm-up', 60_000, 50);
  return { d, warmup: `${defaultConfig().daemon.warmupLines} lines, done ${((Date.now() - started) / 1000).toFixed(1)} s after the daemon answered` };
}

export async function bench(): Promise<BenchSection> {
  const { d, warmup } = await userDaemon();
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  const load0 = loadavg()[0]!;
  try {
    for (const shell of ['bash', 'zsh'] as const) {
      const r = await measure(shell, d.home);
      // Context: the same pass against a daemon started without its warm-up (the test helper's
      // default), which warms up as it serves the pass, as a fresh daemon does.
      const fresh = await startDaemon();
      const c = await measure(shell, fresh.home).finally(() => fresh.dispose());
      const base = `bare ${shell}: p50 ${fmt(r.bare.p50)} ms, p99 ${fmt(r.bare.p99)} ms`;
      figures.push(
        figure(`${shell} hook added per line, in production, p50`, r.inside.p50 - r.bare.p50, 2, '< 2 ms', base),
        figure(`${shell} hook added per line, in production, p99`, r.inside.p99 - r.bare.p99, 5, '< 5 ms', base),
        figure(`${shell} hook added per line, outside production, p50`, r.outside.p50 - r.bare.p50, 0.2, '< 0.2 ms', base),
        {
          name: `${shell} hook added per line, outside production, p99`,
          value: r.outside.p99 - r.bare.p99,
          unit: 'ms',
          target: null,
          met: null,
          baseline: base,
        },
        ...(await defsCost(shell, d.home).then((c) => [
          {
            name: `${shell} hook: collecting the definitions, line whose first word is an alias`,
            value: c.alias,
            unit: 'ms',
            target: null,
            met: null,
            baseline: `no alias or function on the line: ${fmt(c.plain)} ms; a function: ${fmt(c.fn)} ms`,
          },
        ])),
        {
          name: `${shell} hook added per line, in production, daemon without its warm-up, p50`,
          value: c.inside.p50 - c.bare.p50,
          unit: 'ms',
          target: null,
          met: null,
          baseline: `the pass after the warm-up: ${fmt(r.inside.p50 - r.bare.p50)} ms`,
        },
      );
      if (BEFORE) {
        notes.push(
          `${shell}, same pass, the hook of ${BEFORE}: added in production p50 ${fmt(r.beforeInside.p50 - r.bare.p50)} ms, p99 ${fmt(r.beforeInside.p99 - r.bare.p99)} ms; ` +
            `outside production p50 ${fmt(r.beforeOutside.p50 - r.bare.p50)} ms, p99 ${fmt(r.beforeOutside.p99 - r.bare.p99)} ms.`,
        );
      }
      notes.push(
        `${shell}: ${LINES} lines of \`:\` per variant, write-to-prompt under a pty; bare p50/p99 ${fmt(r.bare.p50)}/${fmt(r.bare.p99)} ms, ` +
          `hook outside production ${fmt(r.outside.p50)}/${fmt(r.outside.p99)} ms, in production ${fmt(r.inside.p50)}/${fmt(r.inside.p99)} ms ` +
          `(a real daemon recording both records of each line: the check is answered once its row is committed; the finish is sent at the prompt and its reply read with the next line's check).`,
      );
    }
  } finally {
    await d.dispose();
  }
  notes.push(
    `daemon: default config, measured after its start-up warm-up (${warmup}). "Without its warm-up": a second pass of the same three shells ` +
      `right after, against a daemon started with daemon.warmupLines 0.`,
  );
  // Sub-millisecond differences drown on a busy machine: say how busy it was.
  notes.push(`load average (1 min) ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end.`);
  return { title: 'Shell hooks: added cost per command line (real bash and zsh under a pty)', figures, notes };
}
