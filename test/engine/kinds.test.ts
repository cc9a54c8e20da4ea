import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCasesFiles } from '../corpus/cases.js';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { scanInterpreterCode } from '../../daemon/engine/interp/index.js';
import { parseLine } from '../../daemon/engine/parse/index.js';
import { CATALOG_DIR } from '../../daemon/engine/rules/catalog/index.js';
import { RuleFileSchema } from '../../daemon/engine/rules/schema.js';
import { PROD } from './helpers.js';

// Issue 15, "kinds of misses fixed in the engine": the per-domain cases files of the interpreter,
// download, HTTP, overwrite and fallback catalogs, run through the real engine (parser + catalog +
// verdict) in production. Each line asserts the EXACT set of rule ids it matches ([] for benign).
// (The catalog harness runs every *.cases.jsonl the same way; this covers these files until then.)

const DOMAINS = ['interpreters', 'downloads', 'http', 'overwrite', 'fallback'] as const;

interface Case {
  line: string;
  rules: string[];
  dialect?: 'sql' | 'redis' | 'mongo';
}

function cases(domain: string): Case[] {
  return readFileSync(join(CATALOG_DIR, `${domain}.cases.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
}

const engine = createEngine(defaultConfig(), { hostname: 'kinds-host' });
const ids = (c: Case): string[] => {
  const input = c.dialect ? { line: c.line, env: PROD, statement: { dialect: c.dialect, client: 'psql' } } : { line: c.line, env: PROD };
  return [...new Set(engine.evaluate(input).matches.map((m) => m.rule))].sort();
};

describe.each(DOMAINS)('%s.cases.jsonl: exact rule sets', (domain) => {
  it.each(cases(domain).map((c) => [c.line, c] as const))('%s', (_line, c) => {
    expect(ids(c)).toEqual([...c.rules].sort());
  });
});

describe.each(DOMAINS)('%s.json: every rule has a positive and a negative case', (domain) => {
  const file = RuleFileSchema.parse(JSON.parse(readFileSync(join(CATALOG_DIR, `${domain}.json`), 'utf8')));
  const all = cases(domain);
  it.each(file.rules.map((r) => [r.id, r] as const))('%s', (id, r) => {
    expect(
      all.some((c) => c.rules.includes(id)),
      `${id}: no positive case`,
    ).toBe(true);
    // a negative: a line naming one of the rule's programs that must not match it (any line for pseudo-programs)
    const names = (r.match.command ?? []).filter((n) => !n.startsWith('('));
    const related = (c: Case): boolean =>
      !names.length || names.some((n) => new RegExp(`(?:^|[\\s|;&(/])${n.replace(/[.+]/g, '\\$&').replace('*', '\\S*')}(?:\\s|$)`).test(c.line));
    expect(
      all.some((c) => !c.rules.includes(id) && related(c)),
      `${id}: no negative case`,
    ).toBe(true);
  });
});

describe('scanInterpreterCode: calls become the shell lines they amount to', () => {
  it.each([
    ['python', 'import shutil; shutil.rmtree("/srv/data")', ['rm -rf /srv/data']],
    ['python', 'subprocess.run(["rm", "-rf", path], check=True)', ['rm -rf "$path"']],
    ['python', 'subprocess.call("rm -rf /x", shell=True)', ['rm -rf /x']],
    ['python', 'os.system(f"rm -rf {d}/cache")', ['rm -rf $d/cache']],
    ['python', 'os.remove(p); os.rmdir("/srv/empty")', ['rm "$p"', 'rmdir /srv/empty']],
    ['python', 'Path("/srv/app.db").unlink(missing_ok=True)', ['rm /srv/app.db']],
    ['python', 'print("rm -rf /"); x = "os.system(1)"', []],
    ['js', 'fs.rmSync(dir, { recursive: true })', ['rm -rf "$dir"']],
    ['js', 'fs.rmSync("/tmp/a")', ['rm -f /tmp/a']],
    ['js', 'require("child_process").execSync(`rm -rf ${d}`)', ['rm -rf $d']],
    ['js', 'spawn("rm", ["-rf", "/srv/x"])', ['rm -rf /srv/x']],
    ['js', 'console.log("rm -rf /"); /re/.exec("rm -rf /")', []],
    ['ruby', 'FileUtils.rm_rf("/srv/data"); system "ls", "-l"; `rm -rf /x`', ['rm -rf /srv/data', 'ls -l', 'rm -rf /x']],
    ['perl', 'unlink "/a", "/b"; system(q{rm -rf /c})', ['rm /a /b', 'rm -rf /c']],
    ['php', 'shell_exec("rm -rf " . $dir);', ['rm -rf $dir']],
    ['awk', 'BEGIN { system("rm -rf " $1) }', ['rm -rf $1']],
  ] as const)('%s: %s', (lang, code, want) => {
    expect(scanInterpreterCode(lang, code).map((e) => e.line)).toEqual(want);
  });

  it('the translated line is parsed one level deeper, via the interpreter', () => {
    const p = parseLine(`python3.11 -c 'import shutil; shutil.rmtree("/srv/data")'`);
    const rm = p.commands.find((c) => c.name === 'rm');
    expect(rm?.argv).toEqual(['rm', '-rf', '/srv/data']);
    expect(rm?.via).toEqual(['python3.11 -c']);
  });

  it('hostile code stays bounded: a long program is cut and said so, and nesting stops at the depth limit', () => {
    const long = `python3 -c '${'os.system("rm -rf /x");'.repeat(5000)}'`;
    const p = parseLine(long);
    expect(p.problems.some((m) => m.includes('code longer than'))).toBe(true);
    const nested = parseLine(`python3 -c '${'os.system("python3 -c \\"'.repeat(3)}rm -rf /y${'\\")'.repeat(3)}'`);
    expect(nested.commands.length).toBeGreaterThan(0);
  });
});

describe('downloads: the URL is the phrase', () => {
  it.each([
    ['curl -fsSL https://get.example.com/install.sh | sudo bash', 'https://get.example.com/install.sh'],
    ['bash <(wget -qO- https://example.com/i.sh)', 'https://example.com/i.sh'],
    ['eval "$(curl -s https://example.com/env)"', 'https://example.com/env'],
  ])('%s', (line, url) => {
    const v = engine.evaluate({ line, env: PROD });
    expect(v).toMatchObject({ verdict: 'confirm', severity: 'medium', confirm: url });
  });
});

describe('fallback: unknown tool, destructive-looking action', () => {
  it('asks at medium with the reason, the resource as the phrase', () => {
    const v = engine.evaluate({ line: 'acmectl destroy web1', env: PROD });
    expect(v).toMatchObject({ verdict: 'confirm', severity: 'medium', confirm: 'web1' });
    expect(v.matches[0]?.reason).toMatch(/^unknown tool, destructive-looking action/);
  });

  it('can be disabled like any rule', () => {
    const off = createEngine({ ...defaultConfig(), rules: { ...defaultConfig().rules, disabled: ['fallback.unknown-tool-action'] } });
    expect(off.evaluate({ line: 'acmectl destroy web1', env: PROD }).matches).toEqual([]);
  });

  it('never fires on a benign line of the per-domain corpus (rules: [])', () => {
    const benign = loadCasesFiles().flatMap((f) => f.cases.filter((c) => c.rules.length === 0 && !c.dialect).map((c) => c.line));
    expect(benign.length).toBeGreaterThan(1000);
    const flagged = benign.filter((line) => engine.evaluate({ line, env: PROD }).matches.some((m) => m.rule === 'fallback.unknown-tool-action'));
    expect(flagged).toEqual([]);
  });
});
