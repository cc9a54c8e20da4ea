import { z } from 'zod';
import type { Severity } from '../contract/enums.js';
import { ActionSchema as Action, SeveritySchema } from '../contract/schemas.js';
import { RuleSchema } from '../engine/rules/schema.js';

// The one configuration format: JSON at $PRODGUARD_HOME/config.json (or
// $XDG_CONFIG_HOME/prodguard/config.json). Every field is optional; defaults live here so that
// docs/configuration.md can be generated from this file.

/** The variables that always count (in this order) unless `production.onlyVariables` replaces them. */
export const DEFAULT_PRODUCTION_VARIABLES: readonly string[] = [
  'ENVIRONMENT',
  'ENV',
  'APP_ENV',
  'NODE_ENV',
  'RAILS_ENV',
  'RACK_ENV',
  'FLASK_ENV',
  'MIX_ENV',
  'STAGE',
  'DEPLOY_ENV',
];
const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export const ProductionConfigSchema = z
  .object({
    variables: z
      .array(VariableName)
      .default([])
      .describe(
        `Variables read after the built-in ones (${DEFAULT_PRODUCTION_VARIABLES.join(', ')}), which keep counting: add vendor names such as CRONOS_AI_ENVIRONMENT here. Any one holding a production value makes the shell production (the first such is reported); PRODGUARD_ENV is read before all of them.`,
      ),
    onlyVariables: z
      .array(VariableName)
      .optional()
      .describe(
        'Replaces the built-in list: exactly these variables (and `variables`) are read, ENV, NODE_ENV ... no longer count unless listed. Leave unset to keep the defaults.',
      ),
    values: z.array(z.string().min(1)).default(['production', 'prod', 'prd', 'live']).describe('Values (case-insensitive) that mean production.'),
    awsProfile: z.string().default('(^|[-_.])(prod|production|prd|live)([-_.]|$)').describe('Regex over AWS_PROFILE that means production.'),
    kubeContext: z
      .string()
      .default('(^|[-_.:/])(prod|production|prd|live)([-_.:/]|$)')
      .describe('Regex over the current kube context (KUBECONFIG or ~/.kube/config).'),
    terraformWorkspace: z
      .string()
      .default('^(prod|production|prd|live)$')
      .describe('Regex over the terraform workspace (TF_WORKSPACE or .terraform/environment).'),
    hostname: z.string().nullable().default(null).describe('Regex over the host name that means production (null: the host name is not a signal).'),
  })
  .strict();

export const DryRunConfigSchema = z
  .object({
    honouredBy: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Commands whose DRY_RUN=1 prefix is a real dry run (names, paths as typed such as `./team-script.sh` or `bin/deploy`, or `prefix*`), besides unknown programs when `unknownPrograms` is on. A known program (rm, git, terraform, kubectl, psql ... : every program the rule catalog names) never honours it, listed here or not: there the prefix is ignored and the line judged as if it were absent.',
      ),
    unknownPrograms: z
      .boolean()
      .default(true)
      .describe(
        "DRY_RUN=1 is a dry run for every program prodguard does not know (the team's own scripts). false: only for `honouredBy`. A prefix never lifts a block.",
      ),
  })
  .strict();

export const AllowEntrySchema = z
  .object({
    pattern: z.string().min(1).describe('Regex over the whole (unredacted) line, or exact command text with `exact`.'),
    exact: z.boolean().default(false).describe('Match the line exactly instead of as a regex.'),
    rule: z.string().optional().describe('Only this rule is allowed by the entry (otherwise any).'),
    reason: z.string().min(1).describe('Why the entry exists (shown in the audit trail).'),
    expires: z.string().datetime({ offset: true }).or(z.string().date()).optional().describe('ISO date; the entry stops applying after it.'),
  })
  .strict();

export const PolicySchema = z
  .object({
    low: Action.default('allow').describe('Action in production for a low-severity match (allow still records it).'),
    medium: Action.default('confirm').describe('Action for a medium-severity match.'),
    high: Action.default('confirm').describe('Action for a high-severity match.'),
    critical: Action.default('block').describe('Action for a critical match: block means it never runs in production.'),
    dryRunFirst: z
      .object({
        enabled: z.boolean().default(false).describe('Offer the real line only after its dry run ran in this session.'),
        minSeverity: SeveritySchema.default('high').describe('Rules at or above this severity need the dry run first.'),
        minutes: z.number().int().positive().default(15).describe('How recent the dry run must be.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();
// One action per severity: this fails to compile when SEVERITIES gains a level without a key here.
PolicySchema.shape satisfies Record<Severity, unknown>;

/**
 * `local`: what `logger` sends to /dev/log (`<PRI>TIMESTAMP TAG[PID]: MSG`, no host name), the
 * only shape a stock rsyslog imuxsock, syslog-ng or journald parse right on the local socket.
 * `rfc5424` / `rfc3164` (with a host name) are for network receivers.
 */
const SyslogFormat = z.enum(['local', 'rfc5424', 'rfc3164']);
const formatDefaulting = (format: z.infer<typeof SyslogFormat>) =>
  SyslogFormat.default(format).describe(`Message format (default for this target type: ${format}).`);
const syslogCommon = {
  facility: z.string().default('authpriv').describe('Syslog facility name.'),
  appName: z.string().default('prodguard').describe('APP-NAME / TAG of every message.'),
  queueMax: z.number().int().positive().default(100_000).describe('Bounded disk-backed queue per target; overflow is counted and reported.'),
};
const Port = z.number().int().min(1).max(65535);

export const SyslogTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('unix'), path: z.string().default('/dev/log'), format: formatDefaulting('local'), ...syslogCommon }).strict(),
  z
    .object({
      type: z.literal('udp'),
      host: z.string().default('127.0.0.1'),
      port: Port.default(514),
      format: formatDefaulting('rfc5424'),
      ...syslogCommon,
    })
    .strict(),
  z.object({ type: z.literal('tcp'), host: z.string(), port: Port, format: formatDefaulting('rfc5424'), ...syslogCommon }).strict(),
  z
    .object({
      type: z.literal('tls'),
      host: z.string(),
      port: Port.default(6514),
      ca: z.string().optional(),
      rejectUnauthorized: z.boolean().default(true),
      format: formatDefaulting('rfc5424'),
      ...syslogCommon,
    })
    .strict(),
]);

export const AlertEventSchema = z.enum([
  'confirmed',
  'blocked',
  'cancelled',
  'dry-run',
  'session-start',
  'disabled',
  'verify-failed',
  'chain-head',
  'tampered',
]);

export const AlertTargetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i),
    type: z.enum(['slack', 'webhook']),
    url: z.string().url(),
    secret: z.string().optional().describe('Standard Webhooks secret (`whsec_` + base64) for type webhook. Never logged.'),
    minSeverity: SeveritySchema.default('high').describe('Only matches at or above this severity alert.'),
    events: z.array(AlertEventSchema).default(['confirmed', 'blocked', 'cancelled', 'disabled', 'verify-failed', 'tampered']),
    perMinute: z.number().int().positive().default(6).describe('At most `perMinute` messages; a burst beyond is summarised in one message.'),
    timeoutMs: z.number().int().positive().default(5_000).describe('Per-request timeout.'),
    maxAgeMinutes: z
      .number()
      .int()
      .positive()
      .default(24 * 60)
      .describe('Give up on a message older than this and record that.'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    production: ProductionConfigSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    dryRun: DryRunConfigSchema.prefault({}),
    rules: z
      .object({
        disabled: z
          .array(z.string())
          .default([])
          .describe('Rule ids to switch off (see `prodguard rules list`); an id that names no rule is an error that names the closest one.'),
        custom: z
          .array(RuleSchema)
          .default([])
          .describe('Extra rules, same shape as the catalog (docs/rules.md); evaluated even without a command keyword.'),
      })
      .strict()
      .prefault({}),
    allowlist: z.array(AllowEntrySchema).default([]),
    redact: z
      .object({
        patterns: z.array(z.string()).default([]).describe('Extra regexes whose matches are replaced before storing or sending.'),
        variableNames: z
          .string()
          .default('(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH(?!OR))')
          .describe('Variable names whose values are secret (regex).'),
      })
      .strict()
      .prefault({}),
    prompt: z
      .object({ marker: z.boolean().default(true).describe('Show [PRODUCTION] in red in the prompt of a production shell.') })
      .strict()
      .prefault({}),
    wrap: z
      .object({
        shellFunctions: z.boolean().default(true).describe('`prodguard init` defines psql/mysql/sqlite3/redis-cli/mongosh functions in production.'),
      })
      .strict()
      .prefault({}),
    daemon: z
      .object({
        tcpPort: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(0)
          .describe('Loopback TCP port for bash; 0 picks a free one, published in the run directory.'),
        maxRequestBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024)
          .describe('Longest request line the daemon accepts.'),
        hookTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(2_000)
          .describe('How long a hook waits for the daemon before falling back to its local check.'),
        idleTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(3_600_000)
          .default(10_000)
          .describe(
            'A connection that sends nothing for this long is closed. A hook keeps its connection between lines and opens a new one (with the TCP handshake) after it was closed.',
          ),
        warmupLines: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(2_000)
          .describe(
            'Hook-like lines the daemon sends itself at start, into a store in memory (nothing is recorded), so that the first commands after a start are answered as fast as later ones; 0 turns it off.',
          ),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        headEveryRows: z.number().int().positive().default(100).describe('Publish the chain head every N rows or M minutes, whichever comes first.'),
        headEveryMinutes: z.number().int().positive().default(10).describe('Publish the chain head at least this often (minutes).'),
      })
      .strict()
      .prefault({}),
    syslog: z
      .object({
        targets: z.array(SyslogTargetSchema).default([]),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({ targets: z.array(AlertTargetSchema).default([]) })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

/**
 * The production variables in effect, in the order they are read: the built-in defaults (or
 * `production.onlyVariables` when set), then `production.variables`, each name once. The engine,
 * `prodguard wrap` and the hooks `prodguard init` generates all read this list.
 */
export function productionVariables(config: Pick<Config, 'production'>): string[] {
  const p = config.production;
  return [...new Set([...(p.onlyVariables ?? DEFAULT_PRODUCTION_VARIABLES), ...p.variables])];
}
export type AlertTarget = z.infer<typeof AlertTargetSchema>;
export type SyslogTarget = z.infer<typeof SyslogTargetSchema>;
export type AllowEntry = z.infer<typeof AllowEntrySchema>;
