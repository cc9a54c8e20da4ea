import { z } from 'zod';
import { RuleSchema, SeveritySchema } from '../engine/rules/schema.js';

// The one configuration format: JSON at $PRODGUARD_HOME/config.json (or
// $XDG_CONFIG_HOME/prodguard/config.json). Every field is optional; defaults live here so that
// docs/configuration.md can be generated from this file.

const Action = z.enum(['allow', 'confirm', 'block']);

export const ProductionConfigSchema = z
  .object({
    variables: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
      .default([
        'ENVIRONMENT', 'ENV', 'APP_ENV', 'NODE_ENV', 'RAILS_ENV', 'RACK_ENV',
        'FLASK_ENV', 'MIX_ENV', 'STAGE', 'DEPLOY_ENV',
      ])
      .describe('Variables read in order after PRODGUARD_ENV; any one holding a production value makes the shell production (the first such is reported). Add vendor names such as CRONOS_AI_ENVIRONMENT here.'),
    values: z
      .array(z.string().min(1))
      .default(['production', 'prod', 'prd', 'live'])
      .describe('Values (case-insensitive) that mean production.'),
    awsProfile: z
      .string()
      .default('(^|[-_.])(prod|production|prd|live)([-_.]|$)')
      .describe('Regex over AWS_PROFILE that means production.'),
    kubeContext: z
      .string()
      .default('(^|[-_.:/])(prod|production|prd|live)([-_.:/]|$)')
      .describe('Regex over the current kube context (KUBECONFIG or ~/.kube/config).'),
    terraformWorkspace: z
      .string()
      .default('^(prod|production|prd|live)$')
      .describe('Regex over the terraform workspace (TF_WORKSPACE or .terraform/environment).'),
    hostname: z
      .string()
      .nullable()
      .default(null)
      .describe('Regex over the host name that means production (null: the host name is not a signal).'),
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

const syslogCommon = {
  format: z.enum(['rfc5424', 'rfc3164']).default('rfc5424').describe('Message format.'),
  facility: z.string().default('authpriv').describe('Syslog facility name.'),
  appName: z.string().default('prodguard').describe('APP-NAME / TAG of every message.'),
  queueMax: z.number().int().positive().default(100_000).describe('Bounded disk-backed queue per target; overflow is counted and reported.'),
};
const Port = z.number().int().min(1).max(65535);

export const SyslogTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('unix'), path: z.string().default('/dev/log'), ...syslogCommon }).strict(),
  z.object({ type: z.literal('udp'), host: z.string().default('127.0.0.1'), port: Port.default(514), ...syslogCommon }).strict(),
  z.object({ type: z.literal('tcp'), host: z.string(), port: Port, ...syslogCommon }).strict(),
  z.object({
    type: z.literal('tls'),
    host: z.string(),
    port: Port.default(6514),
    ca: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
    ...syslogCommon,
  }).strict(),
]);

export const AlertEventSchema = z.enum([
  'confirmed', 'blocked', 'cancelled', 'dry-run', 'session-start', 'disabled', 'verify-failed', 'chain-head',
]);

export const AlertTargetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i),
    type: z.enum(['slack', 'webhook']),
    url: z.string().url(),
    secret: z.string().optional().describe('Standard Webhooks secret (`whsec_` + base64) for type webhook. Never logged.'),
    minSeverity: SeveritySchema.default('high').describe('Only matches at or above this severity alert.'),
    events: z.array(AlertEventSchema).default(['confirmed', 'blocked', 'cancelled', 'disabled', 'verify-failed']),
    perMinute: z.number().int().positive().default(6).describe('At most `perMinute` messages; a burst beyond is summarised in one message.'),
    timeoutMs: z.number().int().positive().default(5_000).describe('Per-request timeout.'),
    maxAgeMinutes: z.number().int().positive().default(24 * 60).describe('Give up on a message older than this and record that.'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    production: ProductionConfigSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    rules: z
      .object({
        disabled: z.array(z.string()).default([]).describe('Rule ids to switch off (see `prodguard rules list`); an id that names no rule is an error that names the closest one.'),
        custom: z.array(RuleSchema).default([]).describe('Extra rules, same shape as the catalog (docs/rules.md); evaluated even without a command keyword.'),
      })
      .strict()
      .prefault({}),
    allowlist: z.array(AllowEntrySchema).default([]),
    redact: z
      .object({
        patterns: z.array(z.string()).default([]).describe('Extra regexes whose matches are replaced before storing or sending.'),
        variableNames: z.string().default('(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH(?!OR))').describe('Variable names whose values are secret (regex).'),
      })
      .strict()
      .prefault({}),
    prompt: z.object({ marker: z.boolean().default(true).describe('Show [PRODUCTION] in red in the prompt of a production shell.') }).strict().prefault({}),
    wrap: z
      .object({
        shellFunctions: z.boolean().default(true).describe('`prodguard init` defines psql/mysql/sqlite3/redis-cli/mongosh functions in production.'),
      })
      .strict()
      .prefault({}),
    daemon: z
      .object({
        tcpPort: z.number().int().min(0).max(65535).default(0).describe('Loopback TCP port for bash; 0 picks a free one, published in the run directory.'),
        maxRequestBytes: z.number().int().positive().default(1024 * 1024).describe('Longest request line the daemon accepts.'),
        hookTimeoutMs: z.number().int().positive().default(2_000).describe('How long a hook waits for the daemon before falling back to its local check.'),
        warmupLines: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(2_000)
          .describe('Hook-like lines the daemon sends itself at start, into a store in memory (nothing is recorded), so that the first commands after a start are answered as fast as later ones; 0 turns it off.'),
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
    alerts: z.object({ targets: z.array(AlertTargetSchema).default([]) }).strict().prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type AlertTarget = z.infer<typeof AlertTargetSchema>;
export type SyslogTarget = z.infer<typeof SyslogTargetSchema>;
export type AllowEntry = z.infer<typeof AllowEntrySchema>;
