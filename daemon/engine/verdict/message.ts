import type { MatchResult, Verdict } from '../../contract/verdict.js';
import { printable } from '../redact/printable.js';

// The ready-to-print text a hook shows for `confirm` and `block`: what matched, why, what to do
// instead and the matched program's own dry run. Plain text (no colour codes): the hook decides how
// to style it; control characters from the line are shown as escapes (the hook prints it raw to
// the terminal). Empty for allow. DRY_RUN=1 is offered only where the program honours it.

const MAX_SHOWN = 5;
/** Shell-only advice; `prodguard wrap` drops this line (a statement has no DRY_RUN prefix). */
export const DRY_RUN_HINT = '  dry run: prefix the line with DRY_RUN=1';
const clip = (s: string, n = 160): string => printable(s.length > n ? `${s.slice(0, n - 3)}...` : s);

/** The program a match ran, for "rm ignores DRY_RUN". */
const programOf = (m: MatchResult): string =>
  printable(
    m.command
      .trim()
      .split(/\s+/)
      .find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? m.rule,
  );

/** The dry-run line of one match: the program's own dry run (or what to check when it has none), and that a DRY_RUN=1 prefix was ignored. */
export function dryRunText(d: MatchResult['dryRun']): string | null {
  const advice = d.advice ? ` — ${d.advice}` : '';
  if (d.form) return `its dry run is: ${d.form}${advice}`;
  if (d.check) return `it has no dry run; first: ${d.check}${advice}`;
  return d.advice;
}

function dryRunLine(m: MatchResult): string | null {
  const text = dryRunText(m.dryRun);
  if (m.dryRun.prefixSet && m.dryRun.prefix === 'ignored') {
    return `    ${programOf(m)} ignores DRY_RUN; ${text ? clip(text, 300) : 'it has no dry run prodguard knows of: check the target first'}`;
  }
  return text ? `    ${clip(text, 300)}` : null;
}

export function verdictMessage(v: Verdict): string {
  if (v.verdict === 'allow') return '';
  const where = v.production.active
    ? ` in ${clip(v.production.env ?? 'production')}${v.production.signal ? ` (${clip(v.production.signal)})` : ''}`
    : '';
  const dryRunFirst = v.problems.find((p) => p.startsWith('dry run first:'));
  const head = dryRunFirst
    ? `prodguard: refused${where} until its dry run has run: ${clip(dryRunFirst.slice('dry run first: '.length), 400)}.`
    : v.verdict === 'block'
      ? `prodguard: BLOCKED${where}: this line is never run here.`
      : `prodguard: this line needs confirmation${where}.`;
  const out = [head];
  for (const m of v.matches.slice(0, MAX_SHOWN)) {
    out.push(`  ${m.severity.toUpperCase()} ${clip(m.rule)}: ${clip(m.reason)}`);
    out.push(`    matched: ${clip(m.command)}`);
    if (m.alternative) out.push(`    instead: ${clip(m.alternative)}`);
    const dry = dryRunLine(m);
    if (dry) out.push(dry);
  }
  if (v.matches.length > MAX_SHOWN) out.push(`  ... and ${v.matches.length - MAX_SHOWN} more match(es)`);
  for (const p of v.problems.filter((x) => x !== dryRunFirst).slice(0, 3)) out.push(`  note: ${clip(p)}`);
  // The hook (or wrap) asks for the phrase itself; here only the way out that needs no phrase:
  // DRY_RUN=1, when every matched program honours it (the team's own scripts).
  const shown = v.matches.slice(0, MAX_SHOWN);
  if (v.verdict === 'confirm' && shown.length && shown.every((m) => m.dryRun.prefix === 'honoured')) {
    const names = [...new Set(shown.map(programOf))];
    out.push(`${DRY_RUN_HINT} (${names.join(', ')} read${names.length > 1 ? '' : 's'} it)`);
  }
  return out.join('\n');
}
