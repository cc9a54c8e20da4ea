import type { Config } from '../../config/schema.js';
import { severityRank } from '../../contract/enums.js';
import type { Verdict } from '../../contract/verdict.js';
import { parseLine } from '../parse/index.js';

// Policy "dry run first" (policy.dryRunFirst): a line at or above minSeverity is only offered for
// confirmation when its dry run ran in the same session within the last N minutes; until then it
// is refused with a message saying which dry run to run. A verdict policy over the engine's
// verdicts; it needs per-session memory, which the daemon's handler holds (one DryRunFirst; in
// memory: after a daemon restart the dry run is asked again).
//
// "Its dry run": a dry-run line (DRY_RUN=1 ..., terraform plan, --dry-run, rsync -n) running one
// of the programs the line's matches ran, as the parser names them (after unwrapping sudo, env,
// bash -c, `cd x &&` ...), and when both name targets (path, database, namespace...) at least one
// in common.

interface Seen {
  programs: string[];
  targets: string[];
  at: number;
}

const MAX_PER_SESSION = 64;
const MAX_SESSIONS = 4096;

/** The programs a line runs (the parser's command names; dynamic names are unknown). */
export function programsOf(line: string): string[] {
  return parseLine(line)
    .commands.filter((c) => !c.dynamicName)
    .map((c) => c.name);
}

/** The programs of the commands the verdict's matches are about. */
function matchedPrograms(line: string, v: Verdict): string[] {
  const matched = new Set(v.matches.map((m) => m.command));
  const commands = parseLine(line).commands.filter((c) => !c.dynamicName);
  const named = commands.filter((c) => matched.has(c.source)).map((c) => c.name);
  // A match on the whole line (a statement, a fork bomb) names no command: all of them count.
  return named.length > 0 ? named : commands.map((c) => c.name);
}

const targetsOf = (v: Verdict): string[] => v.matches.map((m) => m.target).filter((t): t is string => !!t);

export class DryRunFirst {
  private readonly seen = new Map<string, Seen[]>();

  /** Remembers a dry run; call for every evaluated line of a session. */
  note(session: string, line: string, v: Verdict, now = Date.now()): void {
    if (!v.dryRun) return;
    let list = this.seen.get(session);
    if (!list) {
      if (this.seen.size >= MAX_SESSIONS) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(session, (list = []));
    }
    list.push({ programs: programsOf(line), targets: targetsOf(v), at: now });
    if (list.length > MAX_PER_SESSION) list.shift();
  }

  /** The verdict under the policy: `confirm` becomes `block` until the dry run has run. */
  apply(config: Config, session: string, line: string, v: Verdict, now = Date.now()): Verdict {
    const p = config.policy.dryRunFirst;
    if (!p.enabled || v.verdict !== 'confirm' || v.dryRun || v.severity === null) return v;
    if (severityRank(v.severity) < severityRank(p.minSeverity)) return v;
    const programs = matchedPrograms(line, v);
    const targets = targetsOf(v);
    const since = now - p.minutes * 60_000;
    const done = (this.seen.get(session) ?? []).some(
      (s) =>
        s.at >= since &&
        s.programs.some((name) => programs.includes(name)) &&
        (s.targets.length === 0 || targets.length === 0 || s.targets.some((t) => targets.includes(t))),
    );
    if (done) return v;
    const alternative = v.matches.find((m) => m.alternative)?.alternative;
    // The program's own dry run; DRY_RUN=1 only where the program honours it.
    const own = v.matches.find((m) => m.dryRun.form)?.dryRun.form;
    const prefixWorks = v.matches.every((m) => m.dryRun.prefix === 'honoured');
    const dryRun = own ? `\`${own}\`` : prefixWorks ? `\`DRY_RUN=1 ${v.redacted}\`` : null;
    const ways = [alternative && `\`${alternative}\``, dryRun].filter(Boolean).join(' or ');
    const hint = `dry run first: run ${ways || 'its dry run'} in this shell, then this line within ${p.minutes} min`;
    return { ...v, verdict: 'block', confirm: null, problems: [...v.problems, hint] };
  }
}
