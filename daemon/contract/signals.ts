// Production signals: the one list of what the engine reads to decide "production" and "off",
// which the hooks (cli/init.ts generates their shell constants from here), `prodguard wrap` and
// the engine all use. Plain values, no zod: the hooks' generator and `wrap` must not pay for it.

/**
 * The environment variables a client forwards to the daemon besides the configured
 * `production.variables`: the other production signals (PRODGUARD_ENV overrides all; AWS
 * profiles; KUBECONFIG and HOME locate the kube config; TF_WORKSPACE) and the off switch.
 * DRY_RUN is read from a line's own prefix; exported, it is forwarded for the record.
 */
export const SIGNAL_VARS = [
  'PRODGUARD_ENV',
  'PRODGUARD_DISABLE',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'KUBECONFIG',
  'TF_WORKSPACE',
  'TF_DATA_DIR',
  'HOME',
  'DRY_RUN',
] as const;

/** What the shell hooks forward besides the signals: PATH, so the engine finds a PATH command that is a script (engine/reach/). */
export const HOOK_CONTEXT_VARS = ['PATH'] as const;

/** Spellings (case-insensitive, surrounding white space ignored) that turn PRODGUARD_DISABLE on. */
export const DISABLE_TRUTHY = ['1', 'true', 'yes', 'on'] as const;
/** Spellings (case-insensitive, surrounding white space ignored) of a DRY_RUN prefix that asks for a dry run. */
export const DRY_RUN_TRUTHY = ['1', 'true', 'yes'] as const;

const isOneOf = (spellings: readonly string[], v: string | undefined): boolean => v !== undefined && spellings.includes(v.trim().toLowerCase());

/** PRODGUARD_DISABLE as the engine, the hooks and `wrap` read it. */
export const isDisabled = (v: string | undefined): boolean => isOneOf(DISABLE_TRUTHY, v);
/** A DRY_RUN prefix value as the engine reads it. */
export const isDryRunValue = (v: string | undefined): boolean => isOneOf(DRY_RUN_TRUTHY, v);
