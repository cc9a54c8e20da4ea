import { createHash, randomInt } from 'node:crypto';
import { ALLOW_WINDOW_MS } from '../contract/agents.js';

// Allow-once codes for agents' confirm-level lines. A denial issues a 6-digit code; a human
// redeems it with `prodguard allow CODE` in a terminal by typing the line's confirmation phrase;
// the agent's next try of exactly that line, in that agent session, within the window, passes
// once. The daemon keeps this in memory; with the daemon down, the hook and `allow` keep it in a
// 0600 file in the 0700 run dir (grants-file.ts). Lines are matched by their SHA-256: no clear
// text is kept here.

export const GRANT_WINDOW_MS = ALLOW_WINDOW_MS;
/** Bounded: a looping agent cannot grow this without end (the oldest go first). */
const MAX_GRANTS = 256;
/** Wrong phrases after which a code is void (a guessing loop gets nowhere). */
const MAX_WRONG = 3;

export interface Grant {
  code: string;
  agent: string;
  session: string;
  lineHash: string;
  /** What `prodguard allow` shows: the redacted line, where it ran and what matched. */
  redacted: string;
  cwd: string;
  rules: string[];
  phrase: string;
  issuedAt: number;
  approvedAt: number | null;
  approver: string | null;
  wrong: number;
}

export type ApproveResult = { ok: true; grant: Grant } | { ok: false; why: 'unknown' | 'wrong-phrase' | 'void' };

export const lineHash = (line: string): string => createHash('sha256').update(line).digest('hex');

export class Grants {
  constructor(private grants: Grant[] = []) {}

  all(): readonly Grant[] {
    return this.grants;
  }

  /** Drops expired codes and spent approvals. */
  prune(now: number): void {
    this.grants = this.grants.filter((g) => now - (g.approvedAt ?? g.issuedAt) < GRANT_WINDOW_MS && g.wrong < MAX_WRONG);
  }

  /** The code for a denied line: the one already pending for the same line and session, or a new one. */
  issue(g: Omit<Grant, 'code' | 'issuedAt' | 'approvedAt' | 'approver' | 'wrong'>, now: number): string {
    this.prune(now);
    const same = this.grants.find((x) => x.approvedAt === null && x.agent === g.agent && x.session === g.session && x.lineHash === g.lineHash);
    if (same) return same.code;
    let code: string;
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    while (this.grants.some((x) => x.code === code));
    this.grants.push({ ...g, code, issuedAt: now, approvedAt: null, approver: null, wrong: 0 });
    if (this.grants.length > MAX_GRANTS) this.grants.splice(0, this.grants.length - MAX_GRANTS);
    return code;
  }

  /** Consumes an approved grant for exactly this line in this agent session, if there is one. */
  take(agent: string, session: string, hash: string, now: number): Grant | null {
    this.prune(now);
    const i = this.grants.findIndex((x) => x.approvedAt !== null && x.agent === agent && x.session === session && x.lineHash === hash);
    if (i === -1) return null;
    return this.grants.splice(i, 1)[0] ?? null;
  }

  /** A pending (not yet approved) code. */
  find(code: string, now: number): Grant | null {
    this.prune(now);
    return this.grants.find((x) => x.code === code && x.approvedAt === null) ?? null;
  }

  approve(code: string, phrase: string, approver: string, now: number): ApproveResult {
    const g = this.find(code, now);
    if (!g) return { ok: false, why: 'unknown' };
    if (phrase !== g.phrase) {
      g.wrong++;
      return { ok: false, why: g.wrong >= MAX_WRONG ? 'void' : 'wrong-phrase' };
    }
    g.approvedAt = now;
    g.approver = approver;
    return { ok: true, grant: g };
  }
}
