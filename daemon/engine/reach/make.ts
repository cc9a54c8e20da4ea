// The recipes `make [targets]` would run, from the makefile's text: rules, tab-indented recipe
// lines, simple variables, prerequisites first, the default target when none is named. Not a
// make: no pattern rules, includes or functions; what it cannot resolve stays as written (the
// parser then sees `$(...)`, a computed name).

export interface RecipeLine {
  /** Shell text of one recipe line, variables expanded, `@-+` prefixes removed. */
  text: string;
  /** 1-based line in the makefile. */
  line: number;
}

interface Rule {
  prereqs: string[];
  recipe: RecipeLine[];
}

const MAX_TARGETS = 256;
const VAR_DEF = /^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::{1,3}=|\?=|\+=|!=|=)\s*(.*)$/;

export const MAKEFILE_NAMES = ['GNUmakefile', 'makefile', 'Makefile'];

export function parseMakefile(text: string): { rules: Map<string, Rule>; first: string | null; vars: Map<string, string> } {
  const rules = new Map<string, Rule>();
  const vars = new Map<string, string>();
  let first: string | null = null;
  let current: Rule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const lineNo = i + 1;
    // Backslash-newline continues a line (in recipes too: the shell then sees one line).
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.replace(/^\t/, '')}`;
    if (line.startsWith('\t')) {
      const t = line.slice(1).trim();
      if (t && !t.startsWith('#')) for (const r of current) r.recipe.push({ text: t, line: lineNo });
      continue;
    }
    const bare = line.replace(/(^|[^\\])#.*$/, '$1').trimEnd();
    if (!bare.trim()) continue;
    const v = VAR_DEF.exec(bare);
    if (v && !/^[^=]*[^:=]:(?!=)/.test(bare.slice(0, bare.indexOf('=') + 1))) {
      const name = v[1]!;
      const value = v[2]!.trim();
      if (bare.includes('+=')) vars.set(name, `${vars.get(name) ?? ''} ${value}`.trim());
      else if (!(bare.includes('?=') && vars.has(name))) vars.set(name, value);
      current = [];
      continue;
    }
    const colon = bare.search(/:(?!=)/);
    if (colon <= 0) {
      current = [];
      continue;
    }
    const targets = expand(bare.slice(0, colon), vars, '').split(/\s+/).filter(Boolean);
    let rest = bare.slice(colon + 1).replace(/^:/, '');
    let inline: string | null = null;
    const semi = rest.indexOf(';');
    if (semi >= 0) {
      inline = rest.slice(semi + 1).trim();
      rest = rest.slice(0, semi);
    }
    const prereqs = expand(rest.replace(/\|/g, ' '), vars, '').split(/\s+/).filter(Boolean);
    current = [];
    for (const t of targets) {
      let r = rules.get(t);
      if (!r) rules.set(t, (r = { prereqs: [], recipe: [] }));
      r.prereqs.push(...prereqs);
      if (inline) r.recipe.push({ text: inline, line: lineNo });
      current.push(r);
      if (first === null && !t.startsWith('.') && !t.includes('%')) first = t;
    }
  }
  return { rules, first, vars };
}

/** `$(VAR)`, `${VAR}`, `$@`, `$$`; `$(MAKE)` is `make` (so recursion is followed as a make line). */
function expand(text: string, vars: Map<string, string>, target: string, depth = 0): string {
  return text.replace(/\$(?:\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\{([A-Za-z_][A-Za-z0-9_.-]*)\}|([@$<^*]))/g, (m, a?: string, b?: string, c?: string) => {
    if (c === '$') return '$';
    if (c === '@') return target;
    if (c) return '';
    const name = (a ?? b)!;
    if (name === 'MAKE') return 'make';
    const v = vars.get(name);
    if (v === undefined) return m.startsWith('$(') ? '' : m;
    return depth < 8 ? expand(v, vars, target, depth + 1) : v;
  });
}

/** Recipe lines of `goals` (or the default target), prerequisites' recipes before their target's. */
export function makeRecipes(text: string, goals: readonly string[], overrides: Record<string, string>): RecipeLine[] {
  const mf = parseMakefile(text);
  for (const [k, v] of Object.entries(overrides)) mf.vars.set(k, v);
  const wanted = goals.length ? goals : mf.first ? [mf.first] : [];
  const out: RecipeLine[] = [];
  const done = new Set<string>();
  const visit = (t: string): void => {
    if (done.has(t) || done.size >= MAX_TARGETS) return;
    done.add(t);
    const r = mf.rules.get(t);
    if (!r) return;
    for (const p of r.prereqs) visit(p);
    for (const l of r.recipe) out.push({ text: expand(l.text, mf.vars, t).replace(/^[@+\s-]+/, ''), line: l.line });
  };
  for (const g of wanted) visit(g);
  return out;
}
