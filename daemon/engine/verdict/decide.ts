import { basename, resolve } from 'node:path';
import type { Config, AllowEntry } from '../../config/schema.js';
import { ACTIONS, severityRank, type Action, type Severity } from '../../contract/enums.js';
import { printable } from '../redact/printable.js';
import type { Rule, RuleTarget } from '../rules/schema.js';

// Pieces of the verdict: severity and action ordering, the confirmation phrase, allowlist entries.

export { severityRank, type Action };

export const maxSeverity = (a: Severity | null, b: Severity): Severity => (a === null || severityRank(b) > severityRank(a) ? b : a);
export const maxAction = (a: Action, b: Action): Action => (ACTIONS.indexOf(b) > ACTIONS.indexOf(a) ? b : a);

export function actionFor(rule: Rule, policy: Config['policy']): Action {
  return rule.action ?? policy[rule.severity];
}

/**
 * The phrase a person types to confirm: the target reduced to what they would naturally name
 * (a path's basename, a database or namespace name), or the host name when the rule extracted
 * nothing usable (nothing at all, text only known at run time such as `$DIR`, or the `{}`
 * placeholder that find -exec / xargs -I{} fill in per item).
 */
export function phraseFor(target: string | null, kind: RuleTarget['kind'] | undefined, cwd: string | undefined, host: string): string {
  // The hook prints the phrase on the terminal and the user types it: control characters are
  // neither sent to the terminal nor expected from the keyboard, their visible form is.
  return printable(phraseOf(target, kind, cwd, host));
}

function phraseOf(target: string | null, kind: RuleTarget['kind'] | undefined, cwd: string | undefined, host: string): string {
  if (!target || /[$`]|\{\}/.test(target)) return host;
  if (kind !== 'path') return target;
  // `*`, `./*`, `.` name the working directory; `/srv/data/` names `data`; `/` stays `/`.
  const stripped = target.replace(/(^|\/)\*$/, '$1').replace(/\/+$/, '');
  if (stripped === '' && target.startsWith('/')) return '/';
  if (stripped === '' || stripped === '.' || /[*?[]/.test(basename(stripped))) {
    return cwd ? basename(resolve(cwd, stripped || '.')) || '/' : target;
  }
  return basename(stripped) || target;
}

export interface CompiledAllow {
  entry: AllowEntry;
  test: (line: string) => boolean;
  /** ms since epoch after which the entry no longer applies; Infinity when none. */
  expiresAt: number;
  label: string;
}

export function compileAllowlist(entries: AllowEntry[]): CompiledAllow[] {
  return entries.map((entry) => {
    const re = entry.exact ? null : new RegExp(entry.pattern, 'i');
    const exact = entry.pattern.trim();
    // A date alone means "through that day" (UTC); a date-time is exact.
    const expiresAt = !entry.expires
      ? Infinity
      : /^\d{4}-\d{2}-\d{2}$/.test(entry.expires)
        ? Date.parse(`${entry.expires}T23:59:59.999Z`)
        : Date.parse(entry.expires);
    return {
      entry,
      test: re ? (line) => re.test(line) : (line) => line.trim() === exact,
      expiresAt,
      label: `${entry.pattern}${entry.rule ? ` [${entry.rule}]` : ''}: ${entry.reason}`,
    };
  });
}
