import type { Verdict } from '../../contract/verdict.js';

// The ready-to-print text a hook shows for `confirm` and `block`: what matched, why, and what to
// do instead. Plain text (no colour codes): the hook decides how to style it. Empty for allow.

const MAX_SHOWN = 5;
/** Shell-only advice; `prodguard wrap` drops this line (a statement has no DRY_RUN prefix). */
export const DRY_RUN_HINT = '  dry run: prefix the line with DRY_RUN=1 (or use the tool\'s own dry-run form)';
const clip = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

export function verdictMessage(v: Verdict): string {
  if (v.verdict === 'allow') return '';
  const where = v.production.active ? ` in ${v.production.env ?? 'production'}${v.production.signal ? ` (${v.production.signal})` : ''}` : '';
  const dryRunFirst = v.problems.find((p) => p.startsWith('dry run first:'));
  const head = dryRunFirst
    ? `prodguard: refused${where} until its dry run has run: ${dryRunFirst.slice('dry run first: '.length)}.`
    : v.verdict === 'block'
      ? `prodguard: BLOCKED${where}: this line is never run here.`
      : `prodguard: this line needs confirmation${where}.`;
  const out = [head];
  for (const m of v.matches.slice(0, MAX_SHOWN)) {
    out.push(`  ${m.severity.toUpperCase()} ${m.rule}: ${m.reason}`);
    out.push(`    matched: ${clip(m.command)}`);
    if (m.alternative) out.push(`    instead: ${clip(m.alternative)}`);
  }
  if (v.matches.length > MAX_SHOWN) out.push(`  ... and ${v.matches.length - MAX_SHOWN} more match(es)`);
  for (const p of v.problems.filter((x) => x !== dryRunFirst).slice(0, 3)) out.push(`  note: ${clip(p)}`);
  // The hook (or wrap) asks for the phrase itself; here only the way out that needs no phrase.
  if (v.verdict === 'confirm') out.push(DRY_RUN_HINT);
  return out.join('\n');
}
