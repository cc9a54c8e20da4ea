import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, msSince, summarize, type BenchFigure, type BenchSection, type Summary } from './report.js';

// Engine benchmark: every corpus line evaluated in a warm process (throughput, p50/p99 per line),
// next to the baselines of the same run: a cold start (import + createEngine in a fresh Node),
// rebuilding the engine per call (what dcg did: 64 ms), and spawning `prodguard check` per
// command as hook tools that start a process per line do.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const distMain = join(root, 'dist', 'cli', 'main.js');
const distEngine = join(root, 'dist', 'daemon', 'engine', 'index.js');
const distConfig = join(root, 'dist', 'daemon', 'config', 'load.js');

/** Used when the labelled corpus is missing: a mix of benign, destructive and obfuscated lines. */
const SAMPLE = [
  'ls -la',
  'cd /srv/app && git status',
  'git commit -m "rm -rf / is bad"',
  'grep "DROP DATABASE" schema.sql',
  'kubectl get pods -n payments',
  'docker ps -a',
  'tail -f /var/log/syslog | grep error',
  'npm run build',
  'rm -rf /srv/data',
  'sudo rm -rf --no-preserve-root /',
  'git push --force origin main',
  'git reset --hard HEAD~3',
  'kubectl delete namespace payments',
  'helm uninstall api -n prod',
  'terraform destroy -auto-approve',
  'aws s3 rm s3://prod-bucket --recursive',
  'psql -c "DROP DATABASE orders"',
  'redis-cli FLUSHALL',
  'mongosh --eval "db.dropDatabase()"',
  'docker system prune -a -f',
  'shutdown -h now',
  'echo $DB_PASSWORD',
  "bash -c 'r''m -rf /srv/data'",
  'ssh web1 "sudo rm -rf /var/lib/mysql"',
  'echo x | xargs rm -rf',
  '$RM -rf /x',
  'find / -name "*.log" -delete',
  'DRY_RUN=1 rm -rf /srv/data',
  'kubectl delete deploy api --dry-run=server',
  'PGPASSWORD=hunter2 psql -h db -c "TRUNCATE users"',
  'for d in a b c; do rm -rf "/srv/$d"; done',
];

/** Lines from test/corpus: text files (one line each, # comments) or JSON/NDJSON holding strings or {line|command}. */
export function corpusLines(dir = join(root, 'test', 'corpus')): { lines: string[]; source: string } {
  const lines: string[] = [];
  const take = (v: unknown): void => {
    if (typeof v === 'string') lines.push(v);
    else if (Array.isArray(v)) v.forEach(take);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.line === 'string') lines.push(o.line);
      else if (typeof o.command === 'string') lines.push(o.command);
      else Object.values(o).forEach(take);
    }
  };
  // The labelled lines live in test/corpus (obfuscated) and beside the catalog (<domain>.cases.jsonl).
  const catalogDir = join(root, 'daemon', 'engine', 'rules', 'catalog');
  const files = [
    ...(existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.(txt|lines|json|jsonl|ndjson)$/.test(f))
          .sort()
          .map((f) => join(dir, f))
      : []),
    ...(dir === join(root, 'test', 'corpus') && existsSync(catalogDir)
      ? readdirSync(catalogDir)
          .filter((f) => f.endsWith('.cases.jsonl'))
          .sort()
          .map((f) => join(catalogDir, f))
      : []),
  ];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    try {
      if (f.endsWith('.json')) take(JSON.parse(text));
      else if (/\.(jsonl|ndjson)$/.test(f))
        text
          .split('\n')
          .filter((l) => l.trim())
          .forEach((l) => take(JSON.parse(l)));
      else for (const l of text.split('\n')) if (l.trim() && !l.startsWith('#')) lines.push(l);
    } catch {
      /* a file in a format this reader does not know: skipped */
    }
  }
  return lines.length
    ? { lines, source: `test/corpus and the catalog's cases files (${files.length} files)` }
    : { lines: SAMPLE, source: 'built-in sample (test/corpus has no lines yet)' };
}

const median = (xs: number[]): number => summarize(xs).p50;

interface PrefilterFigures {
  commands: number;
  /** Share of simple commands whose program name has rules in the index (the others test none but the keywordless). */
  hitRate: number;
  /** Rules tested per simple command, mean, out of `commandRules`. */
  meanCandidates: number;
  commandRules: number;
}

/**
 * The name index's effect, measured the way match.ts uses it: rules are keyed by program name (and
 * `prefix*` globs); rules without a name (environment references, redirections) are tested on
 * every command, statement rules on statements only.
 */
function prefilterFigures(
  rules: Array<{ match: { command?: string[] | undefined; statement?: string | undefined } }>,
  commandNames: string[],
): PrefilterFigures {
  const byName = new Map<string, number>();
  const globs: string[][] = [];
  let keywordless = 0;
  let commandRules = 0;
  for (const r of rules) {
    if (r.match.statement) continue;
    commandRules++;
    const names = r.match.command ?? [];
    if (!names.length) keywordless++;
    for (const n of names.filter((c) => !c.endsWith('*'))) byName.set(n, (byName.get(n) ?? 0) + 1);
    const g = names.filter((c) => c.endsWith('*')).map((c) => c.slice(0, -1));
    if (g.length) globs.push(g);
  }
  let hits = 0;
  let candidates = 0;
  for (const name of commandNames) {
    const named = (byName.get(name) ?? 0) + globs.filter((g) => g.some((p) => name.startsWith(p))).length;
    if (named) hits++;
    candidates += named + keywordless;
  }
  const n = Math.max(1, commandNames.length);
  return { commands: commandNames.length, hitRate: hits / n, meanCandidates: candidates / n, commandRules };
}

/** Import + createEngine in a fresh Node process: what a process-per-command tool pays each time. */
function coldStart(env: NodeJS.ProcessEnv): { importMs: number; createMs: number; firstEvalMs: number } {
  const script = `
    const t0 = performance.now();
    const { createEngine } = await import(${JSON.stringify(distEngine)});
    const { defaultConfig } = await import(${JSON.stringify(distConfig)});
    const t1 = performance.now();
    const e = createEngine(defaultConfig());
    const t2 = performance.now();
    e.evaluate({ line: 'rm -rf /srv/data', env: { PRODGUARD_ENV: 'production' } });
    const t3 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1, firstEvalMs: t3 - t2 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold start failed: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout);
}

function spawnCheck(env: NodeJS.ProcessEnv, line: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [distMain, 'check', '--json', '--', line], { env, encoding: 'utf8' });
  if (r.status === null || r.status > 4) throw new Error(`prodguard check failed: ${r.stderr.trim()}`);
  return msSince(start);
}

/** Reach (engine/reach/): lines that name no file, a 100 KB script, a 1 MB SQL file, an alias. */
function reachFigures(
  engine: {
    evaluate(i: { line: string; env: Record<string, string | undefined>; cwd?: string; defs?: { aliases?: Record<string, string> } }): unknown;
  },
  lines: string[],
  env: NodeJS.ProcessEnv,
): BenchFigure[] {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-reach-'));
  try {
    const cwd = join(dir, 'empty');
    mkdirSync(cwd);
    let script = '#!/bin/bash\nset -e\n';
    for (let i = 0; script.length < 100_000; i++) script += `echo "step ${i}"; cp /srv/a/f${i} /srv/b/f${i}\n`;
    writeFileSync(join(dir, 'big.sh'), `${script}rm -rf /srv/old\n`);
    let sql = '';
    for (let i = 0; sql.length < 1_000_000 - 32; i++) sql += `INSERT INTO items VALUES (${i}, 'name ${i}');\n`;
    writeFileSync(join(dir, 'big.sql'), `${sql}DROP TABLE users;\n`);

    const time = (n: number, f: (i: number) => void): Summary => {
      const xs: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = process.hrtime.bigint();
        f(i);
        xs.push(msSince(t));
      }
      return summarize(xs);
    };
    // Lines that name no file, with the shell's cwd as the hook sends it.
    for (const line of lines) engine.evaluate({ line, env, cwd });
    const noFile = time(lines.length * 5, (i) => engine.evaluate({ line: lines[i % lines.length]!, env, cwd }));
    // A file read and split for the first time (a new mtime each round), then again unchanged (the
    // decision request and wrap's own check re-evaluate the same line within the second).
    // One untimed read first: the figure is a file not read before, in a daemon that has read one
    // before. The very first large file a fresh daemon reads also pays, once, for the JIT
    // compiling the reach and splitter code on it (~110 ms for this 1 MB file on a loaded 2-core
    // machine; the daemon's warm-up lines name no file).
    const file = (line: string, name: string): { first: Summary; again: Summary } => {
      const p = join(dir, name);
      utimesSync(p, new Date(), new Date(Date.now() - 1000));
      engine.evaluate({ line, env, cwd: dir });
      const first = time(30, (i) => {
        utimesSync(p, new Date(), new Date(Date.now() + i * 1000));
        engine.evaluate({ line, env, cwd: dir });
      });
      const again = time(60, () => engine.evaluate({ line, env, cwd: dir }));
      return { first, again };
    };
    const sh = file('bash big.sh', 'big.sh');
    const sq = file('psql -f big.sql', 'big.sql');
    const alias = time(2000, () => engine.evaluate({ line: 'k delete pod api-1 -n prod', env, cwd, defs: { aliases: { k: 'kubectl' } } }));
    const f = (name: string, s: Summary, target: string | null, limit: number | null, baseline?: string): BenchFigure => ({
      name,
      value: s.p50,
      unit: 'ms',
      target,
      met: limit === null ? null : s.p99 < limit,
      baseline: `p99 ${fmt(s.p99)} ms${baseline ? `; ${baseline}` : ''}`,
    });
    return [
      {
        name: 'reach: evaluate p99, lines that name no file (with a cwd)',
        value: noFile.p99,
        unit: 'ms',
        target: '< 1 ms p99',
        met: noFile.p99 < 1,
        baseline: `p50 ${fmt(noFile.p50)} ms`,
      },
      f('reach: a 100 KB shell script (bash big.sh), first read, p50', sh.first, null, null),
      f('reach: the same script unchanged (cached parse), p50', sh.again, null, null),
      f('reach: a 1 MB SQL file (psql -f big.sql, ~21,000 statements), first read, p50', sq.first, '< 20 ms', 20),
      f('reach: the same SQL file unchanged (cached split), p50', sq.again, '< 20 ms', 20),
      f('reach: a line whose first word is an alias (k delete pod ...), p50', alias, '< 1 ms p99', 1),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function bench(): Promise<BenchSection> {
  const { createEngine } = await import('../../daemon/engine/index.js');
  const { defaultConfig } = await import('../../daemon/config/load.js');
  const { parseLine } = await import('../../daemon/engine/parse/index.js');
  const { createRedactor } = await import('../../daemon/engine/redact/index.js');
  const { lines, source } = corpusLines();
  const config = defaultConfig();
  const engine = createEngine(config);
  const env = { ...process.env, PRODGUARD_ENV: 'production' };

  // Warm up the JIT, then time every line individually, several rounds.
  for (let i = 0; i < 3; i++) for (const line of lines) engine.evaluate({ line, env });
  const rounds = Math.max(3, Math.ceil(20_000 / lines.length));
  const perLine: number[] = [];
  const parseOnly: number[] = [];
  const redactOnly: number[] = [];
  const redactor = createRedactor(config);
  const wall = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const line of lines) {
      const t = process.hrtime.bigint();
      engine.evaluate({ line, env });
      perLine.push(msSince(t));
    }
  }
  const wallMs = msSince(wall);
  for (const line of lines) {
    let t = process.hrtime.bigint();
    parseLine(line);
    parseOnly.push(msSince(t));
    t = process.hrtime.bigint();
    redactor(line);
    redactOnly.push(msSince(t));
  }
  const s = summarize(perLine);
  const prefilter = prefilterFigures(
    engine.rules,
    lines.flatMap((line) => parseLine(line).commands.map((c) => c.name)),
  );
  // Each line's best time over the rounds: its own cost with scheduler preemption filtered out
  // (the wall-clock p99 above moves with the machine's load; this one does not).
  const best = lines.map((_, i) => Math.min(...Array.from({ length: rounds }, (_, r) => perLine[r * lines.length + i]!)));
  const b = summarize(best);
  const p = summarize(parseOnly);
  const rd = summarize(redactOnly);
  const throughput = perLine.length / (wallMs / 1000);

  // Rebuilding the engine per call (catalog already cached in this process): what dcg paid.
  const rebuild: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = process.hrtime.bigint();
    createEngine(defaultConfig());
    rebuild.push(msSince(t));
  }

  // Fresh processes, with this sandbox's NODE_EXTRA_CA_CERTS and without (users do not have it).
  const home = mkdtempSync(join(tmpdir(), 'pg-bench-engine-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PRODGUARD_HOME: home, PRODGUARD_ENV: 'production' };
  const childEnvNoCa: NodeJS.ProcessEnv = { ...childEnv };
  delete childEnvNoCa.NODE_EXTRA_CA_CERTS;
  const colds = Array.from({ length: 5 }, () => coldStart(childEnvNoCa));
  const spawnsNoCa = Array.from({ length: 10 }, (_, i) => spawnCheck(childEnvNoCa, SAMPLE[i % SAMPLE.length]!));
  const spawns = process.env.NODE_EXTRA_CA_CERTS
    ? Array.from({ length: 10 }, (_, i) => spawnCheck(childEnv, SAMPLE[i % SAMPLE.length]!))
    : spawnsNoCa;
  rmSync(home, { recursive: true, force: true });

  const coldImport = median(colds.map((c) => c.importMs));
  const coldCreate = median(colds.map((c) => c.createMs));
  const spawnMedian = median(spawnsNoCa);
  const figures: BenchFigure[] = [
    {
      name: 'evaluate: throughput, warm process',
      value: throughput,
      unit: 'commands/s',
      target: null,
      met: null,
      baseline: `spawning prodguard check: ${fmt(1000 / spawnMedian, 1)} commands/s`,
    },
    { name: 'evaluate: p50 per line', value: s.p50, unit: 'ms', target: null, met: null, baseline: `parser alone p50 ${fmt(p.p50)} ms` },
    {
      name: 'evaluate: p99 per line',
      value: s.p99,
      unit: 'ms',
      target: '< 1 ms p99',
      met: s.p99 < 1,
      baseline: `parser alone p99 ${fmt(p.p99)} ms; redaction alone p99 ${fmt(rd.p99)} ms`,
    },
    {
      name: "evaluate: p99 over lines of each line's best round",
      value: b.p99,
      unit: 'ms',
      target: '< 1 ms p99',
      met: b.p99 < 1,
      baseline: `max ${fmt(b.max)} ms; best-round p50 ${fmt(b.p50)} ms`,
    },
    { name: 'evaluate: max per line', value: s.max, unit: 'ms', target: null, met: null },
    { name: 'rules in effect (catalog, default config, engine rules)', value: engine.rules.length, unit: 'rules', target: null, met: null },
    {
      name: 'prefilter: simple commands whose name has rules (hit rate)',
      value: 100 * prefilter.hitRate,
      unit: '%',
      target: null,
      met: null,
      baseline: `${prefilter.commands} simple commands; ${fmt(prefilter.meanCandidates, 1)} of ${prefilter.commandRules} command rules tested per command on average`,
    },
    {
      name: 'createEngine, cold process (after imports)',
      value: coldCreate,
      unit: 'ms',
      target: null,
      met: null,
      baseline: `imports ${fmt(coldImport, 1)} ms; first evaluate ${fmt(median(colds.map((c) => c.firstEvalMs)))} ms`,
    },
    {
      name: 'createEngine again in a warm process (policy rebuilt per call)',
      value: median(rebuild),
      unit: 'ms',
      target: null,
      met: null,
      baseline: 'dcg rebuilt its policy per call: 64 ms',
    },
    {
      name: 'spawn `node dist/cli/main.js check` per command, median of 10',
      value: spawnMedian,
      unit: 'ms',
      target: null,
      met: null,
      baseline: `warm evaluate p50 ${fmt(s.p50)} ms`,
    },
  ];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    figures.push({ name: 'same spawn with this sandbox NODE_EXTRA_CA_CERTS', value: median(spawns), unit: 'ms', target: null, met: null });
  }
  figures.push(...reachFigures(engine, lines, env));
  return {
    title: 'Engine: evaluating command lines',
    figures,
    notes: [
      `${lines.length} lines from ${source}, ${rounds} rounds (${perLine.length} evaluations), production active, ${engine.rules.length} rules, default config.`,
      'Per-line times include parsing, matching, production detection (kubeconfig stat) and redaction.',
      `Load average at the end of the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores; the max and the spawn figures move with it.`,
    ],
  };
}
