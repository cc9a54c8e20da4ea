import type { Config } from '../../config/schema.js';
import { isDisabled as disabledValue } from '../../contract/signals.js';
import { createUnknownToolCheck, UNKNOWN_TOOL_RULE_ID } from '../fallback/index.js';
import type { ParsedLine, SimpleCommand } from '../parse/types.js';
import { loadCatalog } from '../rules/catalog/index.js';
import { compileRule, type CompiledRule } from '../rules/compile.js';
import { DESTRUCTIVE_LOOKING, DYNAMIC_COMMAND, ENGINE_RULES, FORK_BOMB, FORK_BOMB_TEXT, UNPARSABLE } from '../rules/engine-rules.js';
import { RuleIndex, type Hit } from '../rules/match.js';
import type { Rule } from '../rules/schema.js';
import { createProductionDetector, shortHostname } from '../production/index.js';
import { createRedactor } from '../redact/index.js';
import { actionFor, compileAllowlist, maxAction, maxSeverity, phraseFor, severityRank, type Action } from './decide.js';
import { createDryRunPolicy, type DryRunInfo } from './dryrun.js';
import type { MatchResult, Verdict } from '../../contract/verdict.js';

// From a parsed line to a verdict. Everything that depends only on the config (rule index,
// policy, allowlist, redaction and production regexes) is built once in createEvaluator; the
// per-line work is the matching itself.

export interface EvaluateInput {
  line: string;
  env: Record<string, string | undefined>;
  cwd?: string | undefined;
}

export interface EvaluatorOptions {
  hostname?: string;
  /** Clock for allowlist expiry (tests). */
  now?: () => number;
  /** false: only config's custom rules (tests of matcher semantics). */
  catalog?: boolean;
}

/** One match with how the engine treated it, for `prodguard explain`. */
export interface HitReport {
  result: MatchResult;
  kind: Hit['kind'];
  /** Index into parsed.commands / parsed.statements; -1 for the whole line. */
  index: number;
  why: string[];
  action: Action;
  dryRun: boolean;
  allowlisted: boolean;
}

export interface Analysis {
  parsed: ParsedLine;
  hits: HitReport[];
  verdict: Verdict;
}

export interface Evaluator {
  rules: Rule[];
  analyze(input: EvaluateInput, parsed: ParsedLine): Analysis;
}

/** Matches reported per line and per rule: a hostile line must not produce an unbounded verdict. */
const MAX_HITS = 64;
const MAX_HITS_PER_RULE = 8;

/** The same rule on the same text once (`rm -rf x; rm -rf x`), and bounded counts. */
function dedupe(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  const perRule = new Map<string, number>();
  const out: Hit[] = [];
  for (const h of hits) {
    const id = h.compiled.rule.id;
    const key = `${id}\0${h.text}`;
    const n = perRule.get(id) ?? 0;
    if (seen.has(key) || n >= MAX_HITS_PER_RULE) continue;
    seen.add(key);
    perRule.set(id, n + 1);
    out.push(h);
    if (out.length === MAX_HITS) break;
  }
  return out;
}

/** Longest command text kept in a match (a 1 MB line must not be copied into every match). */
const MAX_COMMAND_TEXT = 512;
const clip = (s: string): string => (s.length > MAX_COMMAND_TEXT ? `${s.slice(0, MAX_COMMAND_TEXT)}...` : s);

export function createEvaluator(config: Config, opts: EvaluatorOptions = {}): Evaluator {
  const disabled = new Set(config.rules.disabled);
  const customIds = new Set(config.rules.custom.map((r) => r.id));
  const catalog = opts.catalog === false ? { compiled: [] } : loadCatalog();
  // A custom rule with a catalog rule's id replaces it: that is how a user tunes a built-in rule.
  const compiled: CompiledRule[] = [
    ...catalog.compiled.filter((c) => !customIds.has(c.rule.id)),
    ...config.rules.custom.map((r, i) => compileRule(r, `config rules.custom[${i}]`)),
  ].filter((c) => !disabled.has(c.rule.id));
  const index = new RuleIndex(compiled);
  const dynamicRule = disabled.has(DYNAMIC_COMMAND.id) ? null : compileRule(DYNAMIC_COMMAND, 'engine');
  const unparsableRule = disabled.has(UNPARSABLE.id) ? null : compileRule(UNPARSABLE, 'engine');
  const forkBombRule = disabled.has(FORK_BOMB.id) ? null : compileRule(FORK_BOMB, 'engine');
  const rules = [...compiled.map((c) => c.rule), ...ENGINE_RULES.filter((r) => !disabled.has(r.id))];
  // The unknown-tool fallback is a catalog rule (so it can be disabled or overridden) matched in code.
  const unknownToolRule = compiled.find((c) => c.rule.id === UNKNOWN_TOOL_RULE_ID) ?? null;
  const unknownTool = unknownToolRule ? createUnknownToolCheck(compiled) : null;

  // Known programs come from the catalog alone: a custom rule on `./team-script.sh` must not stop
  // the team's script from honouring DRY_RUN.
  const dryRuns = createDryRunPolicy(
    config,
    catalog.compiled.map((c) => c.rule),
  );
  const detect = createProductionDetector(config);
  const redact = createRedactor(config);
  const allowlist = compileAllowlist(config.allowlist);
  const host = opts.hostname ?? shortHostname();
  const now = opts.now ?? Date.now;

  function engineHits(input: EvaluateInput, parsed: ParsedLine): Hit[] {
    const hits: Hit[] = [];
    if (dynamicRule) {
      parsed.commands.forEach((cmd, i) => {
        if (cmd.dynamicName && DESTRUCTIVE_LOOKING.test(cmd.source || cmd.argv.join(' '))) {
          hits.push({
            compiled: dynamicRule,
            kind: 'command',
            index: i,
            text: cmd.source,
            target: null,
            why: [`program name ${JSON.stringify(cmd.argv[0] ?? '')} is computed at run time`, 'its text looks destructive'],
          });
        }
      });
    }
    if (unparsableRule && parsed.problems.length && DESTRUCTIVE_LOOKING.test(input.line)) {
      hits.push({
        compiled: unparsableRule,
        kind: 'command',
        index: -1,
        text: input.line,
        target: null,
        why: [`parse problem: ${parsed.problems[0]}`, 'the line looks destructive'],
      });
    }
    if (unknownToolRule && unknownTool) {
      parsed.commands.forEach((cmd, i) => {
        // an alias or function of the shell: what it runs is judged (reach/), not its name
        if (parsed.shellDefined?.has(i)) return;
        const u = unknownTool(cmd);
        if (u) hits.push({ compiled: unknownToolRule, kind: 'command', index: i, text: cmd.source, target: u.target, why: u.why });
      });
    }
    if (forkBombRule) {
      const m = FORK_BOMB_TEXT.exec(input.line);
      const call = m ? parsed.commands.findIndex((c) => c.name === m[1]) : -1;
      if (m && call >= 0) {
        hits.push({
          compiled: forkBombRule,
          kind: 'command',
          index: call,
          text: m[0].trim(),
          target: null,
          why: [`function ${m[1]} calls itself in the background`, `${m[1]} is run on the line`],
        });
      }
    }
    return hits;
  }

  function analyze(input: EvaluateInput, parsed: ParsedLine): Analysis {
    const hits: Hit[] = [];
    parsed.commands.forEach((cmd, i) => hits.push(...index.matchCommand(cmd, i)));
    parsed.statements.forEach((st, i) => hits.push(...index.matchStatement(st, i)));
    hits.push(...engineHits(input, parsed));
    const unique = dedupe(hits);

    const production = detect(input.env, { cwd: input.cwd, hostname: host });
    const isDisabled = disabledValue(input.env.PRODGUARD_DISABLE);
    const infoCache = new Map<SimpleCommand, DryRunInfo>();
    const info = (cmd: SimpleCommand): DryRunInfo => {
      let d = infoCache.get(cmd);
      if (d === undefined) infoCache.set(cmd, (d = dryRuns.info(cmd)));
      return d;
    };
    const dry = (cmd: SimpleCommand | undefined, action: Action): boolean => !!cmd && dryRuns.isDryRun(cmd, action);
    // Fragments (targets, match texts, problems) are redacted with what the whole line revealed.
    const { redacted, fragment } = redact.withFragments(input.line);
    const t = now();
    const activeAllow = allowlist.filter((a) => a.expiresAt >= t && a.test(input.line));

    let severity: Verdict['severity'] = null;
    let verdict = 'allow' as Action;
    let allowlisted: string | null = null;
    let best = null as { rank: number; phrase: string } | null;
    const reports: HitReport[] = unique.map((h) => {
      const rule = h.compiled.rule;
      const cmd = h.kind === 'command' ? parsed.commands[h.index] : parsed.commands[parsed.statements[h.index]?.command ?? -1];
      // Text from a file the line runs or feeds (reach/) names its `file:line`.
      const origin = h.kind === 'command' ? cmd?.origin : h.kind === 'statement' ? parsed.statements[h.index]?.origin : undefined;
      const allow = activeAllow.find((a) => !a.entry.rule || a.entry.rule === rule.id);
      if (allow) allowlisted ??= allow.label;
      const target = h.target === null ? null : fragment(h.target);
      const phrase = phraseFor(target, rule.target?.kind, input.cwd, host);
      const action = actionFor(rule, config.policy);
      const hitDry = dry(cmd, action);
      const dryInfo = cmd ? info(cmd) : null;
      severity = maxSeverity(severity, rule.severity);
      if (!hitDry && !allow) {
        verdict = maxAction(verdict, action);
        // The line's phrase: the most specific target any match extracted (from the most severe
        // such match); the host name only when none did (molly-guard).
        const rank = (phrase !== host ? 10 : 0) + severityRank(rule.severity);
        if (action === 'confirm' && (!best || rank > best.rank)) best = { rank, phrase };
      }
      return {
        result: {
          rule: rule.id,
          domain: rule.domain,
          severity: rule.severity,
          reason: rule.reason,
          target,
          confirm: phrase,
          alternative: rule.alternative,
          command: clip(fragment(origin ? `${origin}: ${h.text}` : h.text)),
          dryRun: {
            form: dryInfo?.form ? clip(fragment(dryInfo.form)) : null,
            check: dryInfo?.check ? clip(fragment(dryInfo.check)) : null,
            advice: dryInfo?.advice ? clip(fragment(dryInfo.advice)) : null,
            prefix: dryInfo?.prefix ?? 'ignored',
            prefixSet: dryInfo?.prefixSet ?? false,
          },
        },
        kind: h.kind,
        index: h.index,
        why: h.why,
        action,
        dryRun: hitDry,
        allowlisted: !!allow,
      };
    });

    // A dry-run line: some command is a dry run (own form, or an honoured prefix) and every match
    // was neutralised by one (or allowlisted). `DRY_RUN=1 rm -rf x` is not: rm ignores the prefix.
    const dryRun = parsed.commands.some((c) => dry(c, 'confirm')) && reports.every((r) => r.dryRun || r.allowlisted);
    if (!production.active || isDisabled) verdict = 'allow';
    return {
      parsed,
      hits: reports,
      verdict: {
        verdict,
        severity,
        production,
        disabled: isDisabled,
        dryRun,
        redacted,
        confirm: verdict === 'confirm' ? (best?.phrase ?? host) : null,
        matches: reports.map((r) => r.result),
        allowlisted,
        // Problem texts may quote the line: redacted like everything else that leaves the engine.
        problems: [...parsed.problems, ...(parsed.notes ?? [])].map((p) => clip(fragment(p))),
      },
    };
  }

  return { rules, analyze };
}
