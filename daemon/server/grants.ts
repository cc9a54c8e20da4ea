import type { Verdict } from '../contract/verdict.js';

// Confirmations a shell hook obtained for a line, for `prodguard wrap` run by that very line
// (`echo "drop table invoices;" | psql`): wrap checks the input it will send with the
// (session, cmd) of the line that launched it, and the daemon says whether the confirmation the
// user typed at the shell prompt already covers it. A grant is made only when the daemon itself
// records a live `confirmed` decision of a bash/zsh line; it covers the rule and target pairs
// that line matched (nothing else), expires after GRANT_TTL_MS and is used once. Why this and
// not a secret in the environment: docs/security.md ("Confirmed at the prompt, then piped").

export const GRANT_TTL_MS = 60_000;
/** Grants kept at once: old ones go first (a hostile flood cannot grow the daemon). */
const MAX_GRANTS = 256;

interface Grant {
  expires: number;
  /** `rule\0target` of each confirm-level match of the confirmed line. */
  covers: Set<string>;
}

const keyOf = (m: Verdict['matches'][number]): string => `${m.rule}\0${(m.target ?? '').toLowerCase()}`;

export class GrantBook {
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The user confirmed `v` for (session, cmd) at the shell prompt. */
  confirmed(session: string, cmd: number, v: Verdict): void {
    if (v.verdict !== 'confirm' || v.matches.length === 0) return;
    if (this.grants.size >= MAX_GRANTS) this.grants.delete(this.grants.keys().next().value!);
    this.grants.set(`${session}\0${cmd}`, { expires: this.now() + GRANT_TTL_MS, covers: new Set(v.matches.map(keyOf)) });
  }

  /** Whether the grant of (session, cmd) covers every match of `v`; a covering grant is used up. */
  redeem(session: string, cmd: number, v: Verdict): boolean {
    const key = `${session}\0${cmd}`;
    const g = this.grants.get(key);
    if (!g) return false;
    if (g.expires < this.now()) {
      this.grants.delete(key);
      return false;
    }
    if (v.verdict !== 'confirm' || !v.matches.every((m) => g.covers.has(keyOf(m)))) return false;
    this.grants.delete(key);
    return true;
  }
}
