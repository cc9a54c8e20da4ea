import type { Redirect, SimpleCommand, Statement } from '../parse/types.js';
import { argView, envRefs, findFlag, flagValue, type ArgView } from './args.js';
import type { CompiledRule } from './compile.js';

// The matcher. Command names are the prefilter: rules are indexed by program name in a Map, so a
// command is only tested against the rules that name it. Rules WITHOUT a command keyword
// (environment-reference rules) are tested against every command, and statement rules against
// every statement: nothing is silently skipped (dcg's custom packs without keywords were).

export interface Hit {
  compiled: CompiledRule;
  kind: 'command' | 'statement';
  /** Index into ParsedLine.commands or ParsedLine.statements. */
  index: number;
  /** The simple command or statement as written. */
  text: string;
  /** What the rule's target extracted, unprocessed (a path stays a path); null when nothing. */
  target: string | null;
  /** Which conditions held, for `prodguard explain`. */
  why: string[];
}

const NO_HITS: Hit[] = Object.freeze([]) as unknown as Hit[];

/**
 * A rule's regex as one alternative of the statement filter, or null when it cannot join. A
 * backreference (`\2`, `\k<n>`) becomes "any text" and a named group a plain one: the
 * alternative then matches everything the rule does, and more, which is all a filter needs (the
 * rule itself is tested after it). Not when a class holds a backslash-digit (an octal escape there).
 */
function joinableSource(source: string): string | null {
  if (/\[[^\]]*\\[0-9k]/.test(source)) return null;
  return source.replace(/\\(?:k<[A-Za-z_$][\w$]*>|[1-9]\d*|[\s\S])|\(\?<(?![=!])[A-Za-z_$][\w$]*>/g, (m) =>
    m.startsWith('(') ? '(' : /^\\(?:k<|[1-9])/.test(m) ? '[\\s\\S]*?' : m,
  );
}

export class RuleIndex {
  private readonly byName = new Map<string, CompiledRule[]>();
  private readonly globs: CompiledRule[] = [];
  /** Command-level rules without a command keyword: always evaluated. */
  private readonly keywordless: CompiledRule[] = [];
  private readonly statements: CompiledRule[] = [];
  /**
   * Per dialect, the statement rules' regexes in one alternation: a statement it does not match
   * matches none of them (a 1 MB SQL file is ~21,000 statements: one test each instead of one per
   * rule). Rules whose regex cannot join (a backreference, a named group) are always tested.
   */
  private readonly statementFilters = new Map<string, { filter: RegExp | null; unfiltered: CompiledRule[] }>();

  constructor(readonly rules: CompiledRule[]) {
    for (const r of rules) {
      if (r.statement) {
        this.statements.push(r);
        continue;
      }
      if (!r.names.length && !r.globs.length) {
        this.keywordless.push(r);
        continue;
      }
      for (const n of r.names) {
        const list = this.byName.get(n);
        if (list) list.push(r);
        else this.byName.set(n, [r]);
      }
      if (r.globs.length) this.globs.push(r);
    }
  }

  private filterFor(dialect: string): { filter: RegExp | null; unfiltered: CompiledRule[] } {
    let f = this.statementFilters.get(dialect);
    if (f) return f;
    const rules = this.statements.filter((r) => !r.dialects || r.dialects.has(dialect));
    const sources = rules.map((r) => joinableSource(r.statement!.source));
    f = { filter: null, unfiltered: rules.filter((_, i) => sources[i] === null) };
    try {
      const joined = sources.filter((x): x is string => x !== null);
      if (joined.length) f.filter = new RegExp(joined.map((x) => `(?:${x})`).join('|'), 'i');
    } catch {
      f = { filter: null, unfiltered: rules };
    }
    this.statementFilters.set(dialect, f);
    return f;
  }

  matchCommand(cmd: SimpleCommand, index: number): Hit[] {
    const hits: Hit[] = [];
    let view: ArgView | null = null;
    const test = (r: CompiledRule): void => {
      if (r.redirect && !cmd.redirects?.length) return; // cheap: most commands redirect nothing
      view ??= argView(cmd);
      const hit = testCommand(r, cmd, view, index);
      if (hit) hits.push(hit);
    };
    for (const r of this.byName.get(cmd.name) ?? []) test(r);
    for (const r of this.globs) if (r.globs.some((g) => cmd.name.startsWith(g))) test(r);
    for (const r of this.keywordless) test(r);
    return hits;
  }

  matchStatement(st: Statement, index: number): Hit[] {
    const f = this.filterFor(st.dialect);
    const text = st.text;
    const filtered = f.filter !== null && !f.filter.test(text);
    // Most statements of a file match nothing: no array for them (a 1 MB file is ~21,000).
    if (filtered && !f.unfiltered.length) return NO_HITS;
    const hits: Hit[] = [];
    const rules = filtered ? f.unfiltered : this.statements;
    for (const r of rules) {
      if (r.dialects && !r.dialects.has(st.dialect)) continue;
      if ((r.names.length || r.globs.length) && !r.names.includes(st.client) && !r.globs.some((g) => st.client.startsWith(g))) continue;
      const m = r.statement!.exec(text);
      if (!m) continue;
      const t = r.rule.target;
      let target: string | null = null;
      if (t?.from === 'capture') target = m[1] ?? null;
      else if (t?.from === 'lastArg') target = text.split(/\s+/).pop() ?? null;
      hits.push({
        compiled: r,
        kind: 'statement',
        index,
        text,
        target: cleanName(target),
        why: [`${st.dialect} statement matches ${show(r.statement!)}`],
      });
    }
    return hits;
  }
}

function testCommand(r: CompiledRule, cmd: SimpleCommand, view: ArgView, index: number): Hit | null {
  const why: string[] = [];
  if (r.names.length || r.globs.length) why.push(`command ${cmd.name}`);
  if (r.sub) {
    for (let i = 0; i < r.sub.length; i++) {
      const word = view.positionals[i]?.toLowerCase();
      if (word === undefined || !r.sub[i]!.some((alt) => alt === '*' || alt === word)) return null;
    }
    why.push(`subcommand ${view.positionals.slice(0, r.sub.length).join(' ')}`);
  }
  for (const alt of r.all) {
    const f = findFlag(view, alt, r.bundled);
    if (!f) return null;
    why.push(`flag ${f}`);
  }
  if (r.any.length) {
    let found: string | null = null;
    for (const alt of r.any) if ((found = findFlag(view, alt, r.bundled))) break;
    if (!found) return null;
    why.push(`flag ${found}`);
  }
  for (const alt of r.none) if (findFlag(view, alt, r.bundled)) return null;
  if (r.none.length) why.push(`none of ${r.rule.match.none!.join(', ')}`);
  let argsMatch: RegExpExecArray | null = null;
  if (r.args) {
    argsMatch = r.args.exec(view.joined);
    if (!argsMatch) return null;
    why.push(`arguments match ${show(r.args)}`);
  }
  if (r.notArgs) {
    if (r.notArgs.test(view.joined)) return null;
    why.push(`arguments do not match ${show(r.notArgs)}`);
  }
  if (r.envRef) {
    const ref = envRefs(cmd).find((name) => r.envRef!.test(name));
    if (!ref) return null;
    why.push(`references $${ref}`);
  }
  let redirected: string | null = null;
  if (r.redirect) {
    const hit = cmd.redirects?.find((rd) => truncates(rd) && r.redirect!.test(rd.target));
    if (!hit) return null;
    redirected = hit.target;
    why.push(`redirect ${hit.fd ?? ''}${hit.op} ${hit.target} matches ${show(r.redirect)}`);
  }
  return { compiled: r, kind: 'command', index, text: cmd.source, target: extractTarget(r, view, argsMatch, redirected), why };
}

/** `>`, `>|`, `&>`, `>& file` open their target truncated; `>>`, `<`, `<>`, `2>&1`, `>&-` do not. */
function truncates(rd: Redirect): boolean {
  if (rd.op === '>' || rd.op === '>|' || rd.op === '&>') return true;
  return rd.op === '>&' && !/^(?:\d+-?|-)$/.test(rd.target);
}

function extractTarget(r: CompiledRule, view: ArgView, argsMatch: RegExpExecArray | null, redirected: string | null): string | null {
  const t = r.rule.target;
  if (!t) return null;
  switch (t.from) {
    case 'lastArg':
      return view.positionals.at(-1) ?? null;
    case 'positional':
      return view.positionals[(r.sub?.length ?? 0) + (t.index ?? 0)] ?? null;
    case 'flag':
      return r.targetFlag ? flagValue(view, r.targetFlag) : null;
    case 'capture':
      return cleanName(argsMatch?.[1] ?? null);
    case 'host':
      return null;
    case 'redirect':
      return redirected;
  }
}

/** A regex for an explanation: long catalog patterns are cut (`prodguard rules show` has them whole). */
function show(re: RegExp): string {
  return re.source.length > 60 ? `/${re.source.slice(0, 57)}.../` : `/${re.source}/`;
}

/** `"users";` -> users, `[dbo].[t]` -> dbo.t: the name a person would type. */
function cleanName(s: string | null): string | null {
  if (s == null) return null;
  const out = s.replace(/[`"'[\]();,]/g, '').trim();
  return out || null;
}
