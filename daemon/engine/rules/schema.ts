import { z } from 'zod';
import { ActionSchema, DialectSchema, SeveritySchema } from '../../contract/schemas.js';

// The rule catalog is data: one JSON file per domain under ./catalog, validated by these schemas
// at load. Config files add custom rules with the same shape.

/**
 * A flag alternation such as "-r|-R|--recursive". Short single-letter flags also match inside a
 * bundle (`-rf` holds -r and -f) unless the rule sets `bundled: false`. `--name` matches
 * `--name` and `--name=value`.
 */
const FlagAlternation = z.string().min(2);

/** A JavaScript regular expression source, compiled case-insensitively. Validated at load. */
const RegexSource = z.string().min(1);

export const MatchSchema = z
  .object({
    /**
     * Program names (basename, after unwrapping). Also the rule's prefilter keywords: rules are
     * indexed by name. A trailing `*` is a prefix (`mkfs.*`). On a statement rule, restricts the
     * client that receives the statement (`psql`, `redis-cli`). A rule without names (envRef or
     * statement only) is evaluated against every command / statement.
     */
    command: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Leading positional words (flags skipped), each an alternation: ["push"], ["delete|del"],
     * ["s3", "rm"]. For `kubectl -n x delete pod` the positionals are delete, pod.
     */
    sub: z.array(z.string().min(1)).optional(),
    /** Every alternation must be present among the flags (flags after `--` are arguments). */
    all: z.array(FlagAlternation).optional(),
    /** At least one alternation must be present. */
    any: z.array(FlagAlternation).optional(),
    /** No alternation may be present (e.g. --force-with-lease, --dry-run). */
    none: z.array(FlagAlternation).optional(),
    /** Short flags may be bundled (`-rf`). Default true; false for tools like find (-delete). */
    bundled: z.boolean().optional(),
    /** Regex over the arguments after argv[0], joined by single spaces. */
    args: RegexSource.optional(),
    /** Regex over the arguments that must NOT match. */
    notArgs: RegexSource.optional(),
    /** Regex over a database statement (Statement.text); makes this a statement rule. */
    statement: RegexSource.optional(),
    /** Restricts a statement rule to dialects. */
    dialect: z.array(DialectSchema).optional(),
    /** Regex over the environment variable names referenced in the arguments (`$DB_PASSWORD`, `${X}`). */
    envRef: RegexSource.optional(),
    /**
     * Regex over the target of each truncating redirection of the command (`>`, `>|`, `&>`, and
     * `>& file`, with or without an fd): `> data.db`, `2> /dev/sda`. Appends (`>>`), inputs and fd
     * duplication (`2>&1`) never match. A redirection alone (`> f`) is the null command `:`.
     */
    redirect: RegexSource.optional(),
  })
  .strict()
  .refine((m) => m.command || m.statement || m.envRef || m.redirect, {
    message: 'a rule must match a command, a statement or an environment reference, or a redirect target',
  });
export type RuleMatch = z.infer<typeof MatchSchema>;

/** Where the confirmation phrase comes from. */
export const TargetSchema = z
  .object({
    from: z.enum([
      'lastArg', // last positional argument
      'positional', // positional argument `index` counted after the `sub` words (flags and their values skipped)
      'flag', // value of `flag` (e.g. "-n|--namespace")
      'capture', // capture group 1 of `args` or `statement`
      'host', // the host name (molly-guard)
      'redirect', // the redirect target that matched `redirect`
    ]),
    index: z.number().int().min(0).optional(),
    flag: z.string().optional(),
    /** Paths are reduced to their basename for the phrase (`/srv/data/` -> `data`). */
    kind: z.enum(['path', 'name']).default('name'),
  })
  .strict();
export type RuleTarget = z.infer<typeof TargetSchema>;

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/, 'ids look like domain.name'),
    domain: z.string().min(1),
    severity: SeveritySchema,
    reason: z.string().min(1),
    match: MatchSchema,
    target: TargetSchema.optional(),
    /** A safer alternative or the dry-run equivalent, for the user. */
    alternative: z.string().min(1),
    /** Overrides the policy's action for this rule. */
    action: ActionSchema.optional(),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

export const RuleFileSchema = z
  .object({
    domain: z.string().min(1),
    description: z.string().min(1),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();
export type RuleFile = z.infer<typeof RuleFileSchema>;
