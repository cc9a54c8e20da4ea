import { z } from 'zod';
import { RuleSchema, SeveritySchema } from '../engine/rules/schema.js';

// The one configuration format: JSON at $PRODGUARD_HOME/config.json (or
// $XDG_CONFIG_HOME/prodguard/config.json). Every field is optional; defaults live here so that
// docs/configuration.md can be generated from this file.

const Action = z.enum(['allow', 'confirm', 'block']);

export const ProductionConfigSchema = z
  .object({
    /** Variables read in order after PRODGUARD_ENV; the first one set decides. */
    variables: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
      .default([
        'ENVIRONMENT', 'ENV', 'APP_ENV', 'NODE_ENV', 'RAILS_ENV', 'RACK_ENV',
        'FLASK_ENV', 'MIX_ENV', 'STAGE', 'DEPLOY_ENV',
      ]),
    /** Values (case-insensitive) that mean production. */
    values: z.array(z.string().min(1)).default(['production', 'prod', 'prd', 'live']),
    /** Regexes over AWS_PROFILE / the kube context / the terraform workspace / the host name. */
    awsProfile: z.string().default('(^|[-_.])(prod|production|prd|live)([-_.]|$)'),
    kubeContext: z.string().default('(^|[-_.:/])(prod|production|prd|live)([-_.:/]|$)'),
    terraformWorkspace: z.string().default('^(prod|production|prd|live)$'),
    hostname: z.string().nullable().default(null),
  })
  .strict();

export const AllowEntrySchema = z
  .object({
    /** Regex over the whole (unredacted) line, or exact command text with `exact`. */
    pattern: z.string().min(1),
    exact: z.boolean().default(false),
    /** Only this rule is allowed by the entry (otherwise any). */
    rule: z.string().optional(),
    reason: z.string().min(1),
    /** ISO date; the entry stops applying after it. */
    expires: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
  })
  .strict();

export const PolicySchema = z
  .object({
    low: Action.default('allow'),
    medium: Action.default('confirm'),
    high: Action.default('confirm'),
    critical: Action.default('block'),
    /** "Dry run first": the real line is offered only after its dry run ran recently. */
    dryRunFirst: z
      .object({
        enabled: z.boolean().default(false),
        minSeverity: SeveritySchema.default('high'),
        minutes: z.number().int().positive().default(15),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const syslogCommon = {
  format: z.enum(['rfc5424', 'rfc3164']).default('rfc5424'),
  facility: z.string().default('authpriv'),
  appName: z.string().default('prodguard'),
  /** Bounded disk-backed queue per TCP/TLS target. */
  queueMax: z.number().int().positive().default(100_000),
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
    /** Standard Webhooks secret (`whsec_` + base64) for type webhook. Never logged. */
    secret: z.string().optional(),
    minSeverity: SeveritySchema.default('high'),
    events: z.array(AlertEventSchema).default(['confirmed', 'blocked', 'cancelled', 'disabled', 'verify-failed']),
    /** At most `perMinute` messages; a burst beyond is summarised in one message. */
    perMinute: z.number().int().positive().default(6),
    timeoutMs: z.number().int().positive().default(5_000),
    /** Give up on a message older than this and record that. */
    maxAgeMinutes: z.number().int().positive().default(24 * 60),
  })
  .strict();

export const ConfigSchema = z
  .object({
    production: ProductionConfigSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    rules: z
      .object({
        disabled: z.array(z.string()).default([]),
        custom: z.array(RuleSchema).default([]),
      })
      .strict()
      .prefault({}),
    allowlist: z.array(AllowEntrySchema).default([]),
    redact: z
      .object({
        /** Extra regexes whose matches are replaced before storing or sending. */
        patterns: z.array(z.string()).default([]),
        /** Variable names whose values are secret (regex). */
        variableNames: z.string().default('(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)'),
      })
      .strict()
      .prefault({}),
    prompt: z.object({ marker: z.boolean().default(true) }).strict().prefault({}),
    wrap: z
      .object({
        /** `prodguard init` defines psql/mysql/sqlite3/redis-cli/mongosh functions in production. */
        shellFunctions: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    daemon: z
      .object({
        /** Loopback TCP port for bash; 0 picks a free one, published in the run directory. */
        tcpPort: z.number().int().min(0).max(65535).default(0),
        maxRequestBytes: z.number().int().positive().default(1024 * 1024),
        /** How long a hook waits for the daemon before falling back to its local check. */
        hookTimeoutMs: z.number().int().positive().default(2_000),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        /** Publish the chain head every N rows or M minutes, whichever comes first. */
        headEveryRows: z.number().int().positive().default(100),
        headEveryMinutes: z.number().int().positive().default(10),
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
