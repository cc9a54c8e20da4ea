import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine, type Engine, type Verdict } from '../../daemon/engine/index.js';

// The labelled corpus of issue 2: destructive, benign and obfuscated command lines, evaluated by
// the real engine (parser + catalog + verdict) in a production environment. A line counts as
// detected when some rule matched and the line is not a dry run. Targets: detection >= 98%,
// false positives <= 1%, obfuscation catch rate >= 95%. Failures list the offending lines.

const DIR = dirname(fileURLToPath(import.meta.url));
const PROD = { PRODGUARD_ENV: 'production' };

interface Entry {
  line: string;
  /** The rule expected to fire (a catalog id); a line may match others as well. */
  rule?: string;
}

function load(name: string): Entry[] {
  return readFileSync(join(DIR, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const e = JSON.parse(l) as Entry;
      if (typeof e.line !== 'string') throw new Error(`${name}:${i + 1}: "line" must be a string`);
      return e;
    });
}

const corpus = {
  destructive: load('destructive.jsonl'),
  benign: load('benign.jsonl'),
  obfuscated: load('obfuscated.jsonl'),
};

interface Outcome {
  entry: Entry;
  verdict: Verdict;
  detected: boolean;
}

let engine: Engine;
const results = new Map<keyof typeof corpus, Outcome[]>();

const detected = (v: Verdict): boolean => v.matches.length > 0 && !v.dryRun;
const describeOutcome = (o: Outcome): string =>
  `  ${JSON.stringify(o.entry.line)} -> ${o.verdict.verdict}${o.verdict.dryRun ? ' (dry run)' : ''} [${o.verdict.matches.map((m) => m.rule).join(', ') || 'no match'}]${o.verdict.problems.length ? ` problems: ${o.verdict.problems.join('; ')}` : ''}`;

function run(kind: keyof typeof corpus): Outcome[] {
  let out = results.get(kind);
  if (!out) {
    out = corpus[kind].map((entry) => {
      const verdict = engine.evaluate({ line: entry.line, env: PROD });
      return { entry, verdict, detected: detected(verdict) };
    });
    results.set(kind, out);
  }
  return out;
}

/** Lines whose expected rule is not among the matches (reported; asserted loosely below). */
function ruleMismatches(outcomes: Outcome[]): Outcome[] {
  return outcomes.filter((o) => o.entry.rule && o.detected && !o.verdict.matches.some((m) => m.rule === o.entry.rule));
}

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(2)}%`;

beforeAll(() => {
  engine = createEngine(defaultConfig(), { hostname: 'corpus-host' });
});

describe('labelled corpus (issue 2)', () => {
  test('corpus sizes: >= 400 destructive, >= 400 benign, >= 100 obfuscated, no line in two sets', () => {
    expect(corpus.destructive.length).toBeGreaterThanOrEqual(400);
    expect(corpus.benign.length).toBeGreaterThanOrEqual(400);
    expect(corpus.obfuscated.length).toBeGreaterThanOrEqual(100);
    const harmful = new Set([...corpus.destructive, ...corpus.obfuscated].map((e) => e.line));
    expect(corpus.benign.filter((e) => harmful.has(e.line)).map((e) => e.line)).toEqual([]);
  });

  test('every expected rule id exists in the engine', () => {
    const ids = new Set(engine.rules.map((r) => r.id));
    const unknown = [...corpus.destructive, ...corpus.obfuscated].filter((e) => e.rule && !ids.has(e.rule)).map((e) => e.rule);
    expect(unknown).toEqual([]);
  });

  test('detection rate of destructive lines >= 98%', () => {
    const out = run('destructive');
    const missed = out.filter((o) => !o.detected);
    const rate = (out.length - missed.length) / out.length;
    console.log(`destructive: ${out.length - missed.length}/${out.length} detected (${pct(out.length - missed.length, out.length)})`);
    expect(rate, `missed destructive lines:\n${missed.map(describeOutcome).join('\n')}`).toBeGreaterThanOrEqual(0.98);
  });

  test('false-positive rate of benign lines <= 1%', () => {
    const out = run('benign');
    const flagged = out.filter((o) => o.detected);
    console.log(`benign: ${flagged.length}/${out.length} flagged (${pct(flagged.length, out.length)})`);
    expect(flagged.length / out.length, `benign lines flagged:\n${flagged.map(describeOutcome).join('\n')}`).toBeLessThanOrEqual(0.01);
  });

  test('obfuscation catch rate >= 95%', () => {
    const out = run('obfuscated');
    const missed = out.filter((o) => !o.detected);
    console.log(`obfuscated: ${out.length - missed.length}/${out.length} caught (${pct(out.length - missed.length, out.length)})`);
    expect((out.length - missed.length) / out.length, `obfuscated lines missed:\n${missed.map(describeOutcome).join('\n')}`).toBeGreaterThanOrEqual(0.95);
  });

  test('the expected rule fires for >= 95% of labelled lines', () => {
    const out = [...run('destructive'), ...run('obfuscated')];
    const labelled = out.filter((o) => o.entry.rule && o.detected);
    const wrong = ruleMismatches(out);
    console.log(`expected rule fired: ${labelled.length - wrong.length}/${labelled.length} (${pct(labelled.length - wrong.length, labelled.length)})`);
    if (wrong.length) console.log(`expected rule missing:\n${wrong.map((o) => `${describeOutcome(o)} expected ${o.entry.rule}`).join('\n')}`);
    expect((labelled.length - wrong.length) / labelled.length, `expected rule missing:\n${wrong.map((o) => `${describeOutcome(o)} expected ${o.entry.rule}`).join('\n')}`).toBeGreaterThanOrEqual(0.95);
  });

  test('detected lines need a confirmation or are blocked in production, and pass outside it', () => {
    const out = [...run('destructive'), ...run('obfuscated')].filter((o) => o.detected);
    const allowed = out.filter((o) => o.verdict.verdict === 'allow' && o.verdict.severity !== 'low');
    expect(allowed.map(describeOutcome)).toEqual([]);
    // Confirmations always carry a phrase to type.
    expect(out.filter((o) => o.verdict.verdict === 'confirm' && !o.verdict.confirm).map(describeOutcome)).toEqual([]);
    for (const o of out.slice(0, 50)) {
      expect(engine.evaluate({ line: o.entry.line, env: {} }).verdict, o.entry.line).toBe('allow');
    }
  });
});
