import { z } from 'zod';
import type { Decision } from './enums.js';
import { ActionSchema, SeveritySchema } from './schemas.js';

// The engine's answer for one line. This is also the shape of `prodguard check --json`.

export const MatchResultSchema = z.object({
  rule: z.string(),
  domain: z.string(),
  severity: SeveritySchema,
  reason: z.string(),
  /** What the rule extracted (database, namespace, branch, path); null when nothing specific. */
  target: z.string().nullable(),
  /** The phrase the user must type for this match. */
  confirm: z.string(),
  alternative: z.string(),
  /** The simple command or statement that matched, as written. */
  command: z.string(),
  /** The matched program's own dry run (dry-runs.json) and whether a DRY_RUN=1 prefix works for it. */
  dryRun: z.object({
    /** A command to run instead, built from the matched one (`git push --dry-run origin main`); null when none is known. */
    form: z.string().nullable(),
    /** For a program without a dry run: a command that shows what the line would touch (`lsblk -f /dev/x`). */
    check: z.string().nullable(),
    advice: z.string().nullable(),
    /** `ignored`: the program reads no DRY_RUN variable (rm, git, terraform ...); the prefix changes nothing. */
    prefix: z.enum(['honoured', 'ignored']),
    /** The line set DRY_RUN=1 on this command. */
    prefixSet: z.boolean(),
  }),
});
export type MatchResult = z.infer<typeof MatchResultSchema>;

export const ProductionSchema = z.object({
  active: z.boolean(),
  /** Which signal fired: `PRODGUARD_ENV`, `ENV`, `AWS_PROFILE`, `kube-context`, `hostname`, ... */
  signal: z.string().nullable(),
  /** The environment name seen (`production`, `prod`, ...). */
  env: z.string().nullable(),
});
export type Production = z.infer<typeof ProductionSchema>;

export const VerdictSchema = z.object({
  verdict: ActionSchema,
  /** Highest severity matched, null when nothing matched. */
  severity: SeveritySchema.nullable(),
  production: ProductionSchema,
  /** PRODGUARD_DISABLE=1 was set: the verdict is allow, but this is logged. */
  disabled: z.boolean(),
  /** The line is a dry run (terraform plan, --dry-run, rsync -n ..., or a DRY_RUN=1 prefix its program honours). */
  dryRun: z.boolean(),
  /** The line as it may be stored or sent: secrets replaced. */
  redacted: z.string(),
  /** The phrase to type for the whole line (the most specific target), null when allow/block. */
  confirm: z.string().nullable(),
  matches: z.array(MatchResultSchema),
  /** Allowlist entry that let the line through, if any. */
  allowlisted: z.string().nullable(),
  /** Parse problems worth telling (the verdict fails closed on them when destructive-looking). */
  problems: z.array(z.string()),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** Decision recorded straight away for a verdict, or null for `confirm` (the hook asks first). */
export function immediateDecision(v: Verdict): Decision | null {
  if (v.verdict === 'block') return 'blocked';
  if (v.verdict === 'confirm') return null;
  return v.disabled ? 'disabled' : v.dryRun ? 'dry-run' : 'allowed';
}
