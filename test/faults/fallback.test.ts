import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCasesFiles } from '../corpus/cases.js';
import { homeEnv, repoRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

// Issue 14 section 3: when the daemon cannot be used, the hook's fallback is the full engine
// (dist/daemon/guard.js, which the hook runs with the very request it would have sent). Every
// line of the corpus, through the guard's batch mode (the same code path as one line per
// process, without thousands of node starts) and through a live daemon: the same verdict, phrase, dry
// run flag, message and rules, line by line.

const guardJs = join(repoRoot, 'dist', 'daemon', 'guard.js');
// The shell lines of every per-domain cases file (statements typed in clients aside) and the
// obfuscated corpus.
const corpus = [
  ...loadCasesFiles().flatMap((f) => f.cases.filter((c) => !c.dialect).map((c) => c.line)),
  ...readFileSync(join(repoRoot, 'test', 'corpus', 'obfuscated.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { line: string }).line),
];

/** The hook's check request for line i (same fields, production env). */
const request = (line: string, i: number): string =>
  JSON.stringify({
    v: 1,
    op: 'check',
    origin: { session: `fallback-${i}`, shell: 'bash', pid: 4242, tty: '', user: 'root', host: 'h' },
    cmd: 1,
    line,
    cwd: '/srv/app',
    env: { ENV: 'production' },
    ts: 1_700_000_000_000 + i,
  });

function viaGuard(home: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [guardJs, '--batch'], { env: homeEnv(home), stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l !== '')) : reject(new Error(`guard exit ${code}`))));
    p.stdin.end(`${lines.join('\n')}\n`);
  });
}

/** All requests pipelined on one unix-socket connection; replies in order. */
function viaDaemon(d: TestDaemon, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect(d.paths.socket);
    let buf = '';
    s.on('data', (b: Buffer) => {
      buf += b.toString();
      const replies = buf.split('\n').filter((l) => l !== '');
      if (replies.length >= lines.length && buf.endsWith('\n')) {
        s.destroy();
        resolve(replies);
      }
    });
    s.once('error', reject);
    s.once('connect', () => s.write(`${lines.join('\n')}\n`));
  });
}

type Reply = { verdict: string; phrase: string; dryRun: boolean; message: string; detail: { matches: Array<{ rule: string }> } };
const essence = (line: string): unknown => {
  const r = JSON.parse(line) as Reply;
  return { verdict: r.verdict, phrase: r.phrase, dryRun: r.dryRun, message: r.message, rules: r.detail.matches.map((m) => m.rule) };
};

describe('the fallback guard decides as the daemon does', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ config: { daemon: { warmupLines: 0 } } });
  });
  afterAll(async () => {
    await d?.dispose();
  });

  it(`every corpus line (${corpus.length}): same verdict, phrase, message and rules`, async () => {
    const reqs = corpus.map(request);
    const [fromGuard, fromDaemon] = await Promise.all([viaGuard(d.home, reqs), viaDaemon(d, reqs)]);
    expect(fromGuard).toHaveLength(corpus.length);
    expect(fromDaemon).toHaveLength(corpus.length);
    const differ = corpus.filter((_, i) => JSON.stringify(essence(fromGuard[i]!)) !== JSON.stringify(essence(fromDaemon[i]!)));
    expect(differ).toEqual([]);
    // Not a vacuous equality: the corpus asks and refuses.
    const verdicts = new Set(fromGuard.map((l) => (JSON.parse(l) as Reply).verdict));
    expect(verdicts).toEqual(new Set(['allow', 'confirm', 'block']));
  });

  it('ignores a config another user could have written (the defaults guard everything)', async () => {
    // A config under which ENV=production is not production: the guard reads it when it is the
    // user's own (0600) and ignores it once others can write to it.
    const req = request('rm -rf /srv/app/data', 0);
    const file = join(d.home, 'config.json');
    writeFileSync(file, JSON.stringify({ production: { onlyVariables: ['NOT_SET_ANYWHERE'] } }), { mode: 0o600 });
    chmodSync(file, 0o600);
    expect(JSON.parse((await viaGuard(d.home, [req]))[0]!)).toMatchObject({ ok: true, verdict: 'allow' });
    chmodSync(file, 0o666);
    expect(JSON.parse((await viaGuard(d.home, [req]))[0]!)).toMatchObject({ ok: true, verdict: 'confirm' });
  });
});
