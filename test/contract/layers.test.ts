import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, test } from 'vitest';

// The import graph of daemon/ and cli/ (type-only and dynamic imports included: a type cycle is
// still a design cycle): no cycles, and no module imports a layer above its own. The layers,
// lowest first, as docs/architecture.md draws them:
//
//   contract          shared values: enums, protocol, audit event, verdict shape, exit codes
//   paths             where the files live
//   engine-data       engine/parse, engine/sql, engine/rules: the parser and the rule format,
//                     which the config embeds (custom rules) and checks (their regexes)
//   config            schema and loader
//   engine | store    the verdict (engine/verdict, production, redact, index.ts) | the audit trail
//   sinks | spool | agents
//                     syslog and alerts | the hooks' offline records | the coding agents' hooks
//                     (their input, answers, allow-once codes: daemon/agents/), which the
//                     server's handler (server/agents.ts) and the CLI's lean hook entry both use,
//                     so it sits below the server, not beside it
//   server            protocol handler, listeners, writer
//   main              the daemon's composition root
//   cli               the prodguard command (the client side)
//
// Layers on one row are siblings: neither imports the other.

const root = join(import.meta.dirname, '..', '..');

const LAYERS: ReadonlyArray<readonly string[]> = [
  ['contract'],
  ['paths'],
  ['engine-data'],
  ['config'],
  ['engine', 'store'],
  ['sinks', 'spool', 'agents'],
  ['server'],
  ['main'],
  ['cli'],
];
const RANK = new Map(LAYERS.flatMap((row, i) => row.map((layer) => [layer, i] as const)));

/** The layer of a source file (relative to the repository root). */
function layerOf(file: string): string {
  const [top, area, sub] = file.split('/');
  if (top === 'cli') return 'cli';
  if (area === 'paths.ts') return 'paths';
  // Entry points: the daemon's root, and the hooks' fallback guard (the engine in a process of the hook's).
  if (area === 'main.ts' || area === 'guard.ts') return 'main';
  if (area === 'engine' && (sub === 'parse' || sub === 'sql' || sub === 'rules' || sub === 'interp')) return 'engine-data';
  return area!;
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? sources(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

/** file -> the source files it imports. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.endsWith('.js')) continue; // JSON catalog files and the like
      targets.push(normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan), each as a cycle's files. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** `from -> to` for every import of a layer above, or of a sibling layer. */
function upwardImports(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const to of targets) {
      const b = layerOf(to);
      if (a === b) continue;
      const ra = RANK.get(a);
      const rb = RANK.get(b);
      if (ra === undefined || rb === undefined) out.push(`${from} -> ${to} (unknown layer ${ra === undefined ? a : b})`);
      else if (rb >= ra) out.push(`${from} (${a}) -> ${to} (${b})`);
    }
  }
  return out;
}

const FILES = [...sources('daemon'), ...sources('cli')];
const GRAPH = importGraph(FILES);

describe('layering of daemon/ and cli/', () => {
  test('the graph is read (every import resolves to a source file)', () => {
    expect(GRAPH.size).toBeGreaterThan(50);
    const dangling = [...GRAPH].flatMap(([from, to]) => to.filter((t) => !GRAPH.has(t)).map((t) => `${from} -> ${t}`));
    expect(dangling).toEqual([]);
  });

  test('no import cycles', () => {
    expect(cycles(GRAPH)).toEqual([]);
  });

  test('no module imports a layer above its own or a sibling', () => {
    expect(upwardImports(GRAPH)).toEqual([]);
  });
});

// The parser and the unwrapper recurse into each other (`bash -c 'sudo rm x'`), but their modules
// depend one way: parser.ts imports unwrap.ts, so an import back would be a cycle (caught above),
// and the context they share is plain data, so a callback cannot carry the dependency back
// either. (The import graph cannot see an injected callback; this check stands in for it.)
const SHARED_CONTEXT = 'daemon/engine/parse/context.ts';
/** A member or parameter typed as a function: `name: (raw: RawCommand) => void`. */
const FUNCTION_TYPED = /\w\??:\s*\([^()]*\)\s*=>/;

describe('the parser and the unwrapper depend one way', () => {
  test('parser.ts imports unwrap.ts, and unwrap.ts and interp/ do not import the parser', () => {
    expect(GRAPH.get('daemon/engine/parse/parser.ts')).toContain('daemon/engine/parse/unwrap.ts');
    const back = [...GRAPH].filter(
      ([from, to]) => /engine\/(parse\/unwrap|parse\/clients|interp\/)/.test(from) && to.includes('daemon/engine/parse/parser.ts'),
    );
    expect(back.map(([from]) => from)).toEqual([]);
  });

  test('the shared parse context holds no callbacks', () => {
    const lines = readFileSync(join(root, SHARED_CONTEXT), 'utf8').split('\n');
    expect(lines.filter((l) => FUNCTION_TYPED.test(l) && !/^\s*(?:\/\/|\*)/.test(l))).toEqual([]);
  });
});

describe('the checks catch what they look for', () => {
  test('a callback in the context is seen', () => {
    expect(FUNCTION_TYPED.test('    readonly resolve: (raw: RawCommand, scope: Scope, depth: number) => void,')).toBe(true);
    expect(FUNCTION_TYPED.test('  reparse(r: Reparse): void {')).toBe(false);
  });

  test('a cycle and an upward import', () => {
    const g = new Map([
      ['daemon/store/a.ts', ['daemon/store/b.ts', 'daemon/engine/index.ts']],
      ['daemon/store/b.ts', ['daemon/store/a.ts']],
      ['daemon/engine/index.ts', ['daemon/contract/enums.ts']],
      ['daemon/contract/enums.ts', []],
    ]);
    expect(cycles(g)).toEqual([['daemon/store/a.ts', 'daemon/store/b.ts']]);
    expect(upwardImports(g)).toEqual(['daemon/store/a.ts (store) -> daemon/engine/index.ts (engine)']);
  });
});
