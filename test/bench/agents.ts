import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { homeEnv, repoRoot, startDaemon, tempHome, waitFor } from '../helpers/daemon.js';
import { fmt, msSince, summarize, type BenchFigure, type BenchSection, type Summary } from './report.js';

// A coding agent runs its hook as a new process for every tool call: the figure is that whole
// process, spawn to exit, as the agent sees it, with a real daemon (warmed up, recording every
// call). Next to it, a plain `node -e 0` start as the baseline, with and without
// NODE_EXTRA_CA_CERTS (this sandbox sets it; it adds ~46 ms to every Node start, users don't
// have it). The variants run interleaved, one call each in turn, so load drift hits all alike.

const CALLS = Number(process.env.PRODGUARD_BENCH_AGENT_CALLS ?? 200);
const DOWN_CALLS = Math.max(10, Math.round(CALLS / 10));
const WARMUP = 10;
const script = join(repoRoot, 'bin', 'prodguard-hook');
const launcher = join(repoRoot, 'bin', 'prodguard');

const input = (command: string, i: number): string =>
  JSON.stringify({
    session_id: 'bench-session',
    transcript_path: '/tmp/bench.jsonl',
    cwd: '/srv/app',
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command, description: 'bench' },
    tool_use_id: `toolu_bench_${process.pid}_${i}_${command.length}`,
  });

function timed(file: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<{ ms: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: msSince(t0), stdout, code }));
    // `node -e 0` exits without reading its stdin: the write may then fail with EPIPE, which
    // unhandled ended the whole bench. What a variant answered is checked by its exit and stdout.
    p.stdin.on('error', () => undefined);
    p.stdin.end(stdin);
  });
}

interface Variant {
  name: string;
  run: (i: number) => Promise<{ ms: number; stdout: string; code: number | null }>;
  /** What a correct answer looks like (a wrong one would make the figure meaningless). */
  expect: (stdout: string) => boolean;
  samples: number[];
}

const withoutCa = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const { NODE_EXTRA_CA_CERTS: _drop, ...rest } = env;
  return rest;
};

export async function bench(): Promise<BenchSection> {
  const d = await startDaemon({ config: { daemon: { warmupLines: 2000 } } });
  const notes: string[] = [];
  const loadBefore = loadavg()[0]!;
  try {
    await waitFor(async () => (await d.request({ op: 'health' })).warmup === 'done', 'the daemon warm-up', 60_000);
    const prod = { ...homeEnv(d.home), ENV: 'production', PRODGUARD_NODE: process.execPath };
    const pass = (s: string) => s === '';
    const deny = (s: string) => s.includes('"permissionDecision":"ask"');
    const variants: Variant[] = [
      { name: 'node -e 0 (baseline)', run: () => timed(process.execPath, ['-e', '0'], process.env, ''), expect: pass, samples: [] },
      {
        name: 'node -e 0, no NODE_EXTRA_CA_CERTS (baseline)',
        run: () => timed(process.execPath, ['-e', '0'], withoutCa(process.env), ''),
        expect: pass,
        samples: [],
      },
      {
        name: 'bin/prodguard-hook, benign line (recorded)',
        run: (i) => timed(script, ['claude-code'], prod, input('ls -la /srv/app', i)),
        expect: pass,
        samples: [],
      },
      {
        name: 'bin/prodguard-hook, destructive line (ask, recorded)',
        run: (i) => timed(script, ['claude-code'], prod, input('rm -rf /srv/app/data', i)),
        expect: deny,
        samples: [],
      },
      {
        name: 'prodguard hook (Node entry), benign line',
        run: (i) => timed(process.execPath, [launcher, 'hook', 'claude-code'], prod, input('ls -la /srv/app', i)),
        expect: pass,
        samples: [],
      },
      {
        name: 'prodguard hook (Node entry), benign, no NODE_EXTRA_CA_CERTS',
        run: (i) => timed(process.execPath, [launcher, 'hook', 'claude-code'], withoutCa(prod), input('ls -la /srv/app', i)),
        expect: pass,
        samples: [],
      },
    ];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      for (const v of variants) {
        const r = await v.run(i);
        if (r.code !== 0 || !v.expect(r.stdout)) throw new Error(`${v.name}: unexpected answer (exit ${r.code}): ${r.stdout.slice(0, 200)}`);
        if (i >= WARMUP) v.samples.push(r.ms);
      }
    }

    // The daemon down: the script hands over to the Node entry, which loads the engine itself.
    const downHome = tempHome();
    const down = { ...homeEnv(downHome), ENV: 'production', PRODGUARD_NODE: process.execPath };
    const downSamples: number[] = [];
    for (let i = 0; i < DOWN_CALLS; i++) {
      const r = await timed(script, ['claude-code'], withoutCa(down), input('rm -rf /srv/app/data', i));
      if (!deny(r.stdout)) throw new Error(`daemon down: unexpected answer: ${r.stdout.slice(0, 200)}`);
      downSamples.push(r.ms);
    }

    const s = Object.fromEntries(variants.map((v) => [v.name, summarize(v.samples)])) as Record<string, Summary>;
    const base = s['node -e 0 (baseline)']!;
    const baseNoCa = s['node -e 0, no NODE_EXTRA_CA_CERTS (baseline)']!;
    const baseline = `node -e 0: ${fmt(base.p50, 1)} ms p50 (${fmt(baseNoCa.p50, 1)} ms without NODE_EXTRA_CA_CERTS)`;
    const figures: BenchFigure[] = [];
    for (const name of ['bin/prodguard-hook, benign line (recorded)', 'bin/prodguard-hook, destructive line (ask, recorded)']) {
      const x = s[name]!;
      figures.push({ name: `${name}: p50`, value: x.p50, unit: 'ms', target: '< 15 ms', met: x.p50 < 15, baseline });
      figures.push({ name: `${name}: p99`, value: x.p99, unit: 'ms', target: '< 40 ms', met: x.p99 < 40, baseline });
    }
    for (const name of ['prodguard hook (Node entry), benign line', 'prodguard hook (Node entry), benign, no NODE_EXTRA_CA_CERTS']) {
      const x = s[name]!;
      figures.push({ name: `${name}: p50`, value: x.p50, unit: 'ms', target: null, met: null, baseline });
      figures.push({ name: `${name}: p99`, value: x.p99, unit: 'ms', target: null, met: null, baseline });
    }
    // On a loaded machine every process start stretches alike: the ratio says what the script costs relative to a Node start.
    const scriptBenign = s['bin/prodguard-hook, benign line (recorded)']!;
    figures.push({
      name: 'bin/prodguard-hook benign p50 / node -e 0 (no NODE_EXTRA_CA_CERTS) p50',
      value: scriptBenign.p50 / baseNoCa.p50,
      unit: 'x',
      target: null,
      met: null,
    });
    figures.push({ name: 'node -e 0: p50', value: base.p50, unit: 'ms', target: null, met: null });
    figures.push({ name: 'node -e 0, no NODE_EXTRA_CA_CERTS: p50', value: baseNoCa.p50, unit: 'ms', target: null, met: null });
    const dn = summarize(downSamples);
    figures.push({
      name: 'daemon down (in-process engine, no NODE_EXTRA_CA_CERTS): p50',
      value: dn.p50,
      unit: 'ms',
      target: 'slower is acceptable',
      met: null,
      baseline,
    });
    notes.push(
      `${CALLS} calls per variant (interleaved, after ${WARMUP} warm-up calls), ${DOWN_CALLS} with the daemon down; spawn to exit as the agent sees it.`,
      'bin/prodguard-hook (what `prodguard init claude-code|codex|gemini` installs) is a bash script: no Node start, so NODE_EXTRA_CA_CERTS does not touch it.',
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} CPUs: with more runnable processes than CPUs every figure here includes waiting for a CPU.`,
    );
    return { title: 'Agent hooks (one process per tool call)', figures, notes };
  } finally {
    await d.dispose();
  }
}
