import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';

// The bypass corpus (issue 7): obfuscations of a destructive command, each either CAUGHT by the
// engine in production (verdict not allow, with a match) or listed under knownLimits with the
// reason. Known limits are asserted NOT caught, so docs/known-limits.md stays honest: when one
// starts being caught, this test fails and tells you to move it to `caught` (and the doc).

/** `files`: written into the line's cwd first; `defs`: the shell's aliases/functions the hook would send (engine/reach/). */
interface Entry {
  technique: string;
  line: string;
  reason?: string;
  files?: Record<string, string>;
  defs?: { aliases?: Record<string, string>; functions?: Record<string, string> };
}
const data = JSON.parse(readFileSync(join(import.meta.dirname, 'bypass.json'), 'utf8')) as { caught: Entry[]; knownLimits: Entry[] };
const engine = createEngine(defaultConfig());
const evaluate = (line: string, e?: Entry) => {
  if (!e?.files && !e?.defs) return engine.evaluate({ line, env: { PRODGUARD_ENV: 'production' } });
  const cwd = mkdtempSync(join(tmpdir(), 'pg-bypass-'));
  try {
    for (const [name, text] of Object.entries(e.files ?? {})) writeFileSync(join(cwd, name), text);
    return engine.evaluate({ line, env: { PRODGUARD_ENV: 'production' }, cwd, defs: e.defs });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
};

describe('bypass corpus', () => {
  it('lists each technique once, every known limit with its reason', () => {
    const all = [...data.caught, ...data.knownLimits];
    expect(new Set(all.map((e) => e.technique)).size).toBe(all.length);
    for (const e of data.knownLimits) expect(e.reason, e.technique).toMatch(/\S{3}/);
  });

  it.each(data.caught.map((e) => [e.technique, e.line, e] as const))('caught: %s', (_, line, e) => {
    const v = evaluate(line, e);
    expect(v.production.active).toBe(true);
    expect(v.verdict).not.toBe('allow');
    expect(v.matches.length).toBeGreaterThan(0);
  });

  it.each(data.knownLimits.map((e) => [e.technique, e.line] as const))('known limit, not caught: %s', (technique, line) => {
    const v = evaluate(line);
    if (v.verdict !== 'allow' || v.matches.length > 0) {
      throw new Error(
        `"${technique}" is caught now (${v.matches.map((m) => m.rule).join(', ')}): move it from knownLimits to caught in test/bypass/bypass.json and from docs/known-limits.md`,
      );
    }
  });

  it('docs/known-limits.md lists every known limit', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'known-limits.md'), 'utf8');
    for (const e of data.knownLimits) expect(doc, e.technique).toContain(`\`${e.line.replace(/\|/g, '\\|').replace(/\n/g, ' ')}\``);
  });
});

describe('aliases on one line are not a bypass: the shells do not expand them there', () => {
  // Line 1 defines and uses the alias (not caught, not run); line 2 uses it (run: the real limit).
  const script = "alias nuke='echo EXPANDED'; nuke one\nnuke two\n";
  it.each([
    ['bash', ['-O', 'expand_aliases']],
    ['zsh', ['-f']],
  ])('%s', (shell, args) => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-alias-'));
    try {
      const r = spawnSync(shell, args, { input: script, encoding: 'utf8', cwd: dir, timeout: 10_000 });
      expect(r.stdout).not.toContain('EXPANDED one');
      expect(r.stderr).toMatch(/nuke.*not found|not found.*nuke/);
      expect(r.stdout).toContain('EXPANDED two');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
