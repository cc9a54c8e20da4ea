import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHook } from '../../cli/init.js';
import { loadConfig } from '../../daemon/config/load.js';
import { resolvePaths } from '../../daemon/paths.js';
import { repoRoot, startDaemon } from '../helpers/daemon.js';
import { fmt, summarize, type BenchFigure, type BenchSection } from './report.js';

// What the hook's authentication of the daemon costs per line (issue 14), and the fallback's
// latency per line when the daemon cannot be used.
// - Handshake: the bash hook's own __pg_conn_read/__pg_open (from shell-hooks/prodguard.bash,
//   with the generated header and common.sh) in a real bash against a real daemon: connect, send
//   the knock, read and compare the proof, against a bare connect to the same port in the same
//   loop, interleaved. One handshake a line (the check reuses the finish's connection).
// - Fallback: `node dist/daemon/guard.js <check request>` as the hook runs it, one process a line.

const ROUNDS = Number(process.env.PRODGUARD_BENCH_AUTH_ROUNDS ?? 2000);
const GUARD_RUNS = Number(process.env.PRODGUARD_BENCH_GUARD_RUNS ?? 30);

function bashFunctions(home: string): string {
  const paths = resolvePaths({ PRODGUARD_HOME: home });
  const hook = renderHook({ shell: 'bash', config: loadConfig(paths), paths });
  const common = readFileSync(join(repoRoot, 'shell-hooks', 'common.sh'), 'utf8');
  const header = hook.slice(0, hook.indexOf(common));
  const bash = readFileSync(join(repoRoot, 'shell-hooks', 'prodguard.bash'), 'utf8');
  const fn = (name: string): string => {
    const m = bash.match(new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}`, 'm'));
    if (!m) throw new Error(`no ${name} in prodguard.bash`);
    return m[0];
  };
  return [header, common, fn('__pg_conn_read'), fn('__pg_open')].join('\n');
}

export async function bench(): Promise<BenchSection> {
  const d = await startDaemon();
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  try {
    const script = `${bashFunctions(d.home)}
__pg_conn_read || exit 3
for ((i = 0; i < ${ROUNDS}; i++)); do
  t0=$EPOCHREALTIME
  exec {fd}<>"/dev/tcp/127.0.0.1/$__pg_port"; exec {fd}>&-
  t1=$EPOCHREALTIME
  __pg_open || exit 4; exec {__pg_fd}>&-
  t2=$EPOCHREALTIME
  echo "\${t0/./} \${t1/./} \${t2/./}"
done`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PRODGUARD_HOME: d.home }, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`handshake loop failed (${r.status}): ${r.stderr.slice(0, 300)}`);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number))
      .slice(50); // warm-up
    const bare = summarize(rows.map(([a, b]) => (b! - a!) / 1000));
    const shaken = summarize(rows.map(([, b, c]) => (c! - b!) / 1000));
    const added = summarize(rows.map(([a, b, c]) => (c! - b! - (b! - a!)) / 1000));
    const base = `bare connect+close p50 ${fmt(bare.p50)} ms, p99 ${fmt(bare.p99)} ms`;
    figures.push(
      {
        name: 'bash: daemon authentication (knock + proof) added per line, p50',
        value: added.p50,
        unit: 'ms',
        target: '< 2 ms (whole hook)',
        met: added.p50 < 2,
        baseline: base,
      },
      {
        name: 'bash: daemon authentication added per line, p99',
        value: added.p99,
        unit: 'ms',
        target: '< 5 ms (whole hook)',
        met: added.p99 < 5,
        baseline: base,
      },
    );
    notes.push(
      `handshake: ${rows.length} rounds in one bash, interleaved with a bare connect to the same port; connect+handshake+close p50/p99 ` +
        `${fmt(shaken.p50)}/${fmt(shaken.p99)} ms. zsh adds no handshake: it checks the socket and run dir are its own (three stat calls, no fork).`,
    );

    const req = JSON.stringify({
      v: 1,
      op: 'check',
      origin: { session: 'bench', shell: 'bash', pid: 1 },
      cmd: 1,
      line: 'rm -rf /srv/app/data',
      cwd: '/srv',
      env: { ENV: 'production' },
      ts: 1,
    });
    const guardJs = join(repoRoot, 'dist', 'daemon', 'guard.js');
    const runGuard = (env: NodeJS.ProcessEnv): number[] =>
      Array.from({ length: GUARD_RUNS }, () => {
        const t0 = process.hrtime.bigint();
        const g = spawnSync(process.execPath, [guardJs, req], { encoding: 'utf8', env: { ...env, PRODGUARD_HOME: d.home } });
        if (!g.stdout.startsWith('{"v":1,"ok":true,"verdict":"confirm"'))
          throw new Error(`guard: ${g.stdout.slice(0, 200)} ${g.stderr.slice(0, 200)}`);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      });
    const asHere = summarize(runGuard(process.env));
    const { NODE_EXTRA_CA_CERTS: _drop, ...userEnv } = process.env;
    const asUser = summarize(runGuard(userEnv));
    figures.push(
      {
        name: 'fallback (full engine, daemon down) per line, p50',
        value: asUser.p50,
        unit: 'ms',
        target: 'a few hundred ms',
        met: asUser.p50 < 500,
        baseline: `with NODE_EXTRA_CA_CERTS set (this sandbox): p50 ${fmt(asHere.p50)} ms`,
      },
      {
        name: 'fallback per line, p99',
        value: asUser.p99,
        unit: 'ms',
        target: null,
        met: null,
        baseline: `with NODE_EXTRA_CA_CERTS: p99 ${fmt(asHere.p99)} ms`,
      },
    );
    notes.push(
      `fallback: ${GUARD_RUNS} runs each of \`node dist/daemon/guard.js <request>\` (a node start, config, engine, one verdict), without and with NODE_EXTRA_CA_CERTS.`,
    );
  } finally {
    await d.dispose();
  }
  return { title: 'Daemon authentication and the fallback guard (issue 14)', figures, notes };
}
