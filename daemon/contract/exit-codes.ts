// Exit codes of every `prodguard` command, documented in docs/cli.md. Scripts rely on them.
export const EXIT = {
  OK: 0,
  /** An unexpected internal error (a bug: please report it with the message). */
  INTERNAL: 1,
  /** Bad usage: unknown flag, missing argument, impossible value. */
  USAGE: 2,
  /** `check`: the line needs a typed confirmation (or a dry run) in production. */
  CONFIRM: 3,
  /** `check`: the line is never allowed in production. */
  BLOCK: 4,
  /** `verify`: the audit chain is broken. */
  TAMPERED: 5,
  /** The daemon could not be reached (and the command needs it). */
  DAEMON_DOWN: 6,
  /** The config file is invalid. */
  CONFIG: 7,
  /** The audit database is missing, corrupt or unreadable. */
  DATABASE: 8,
  /** A delivery (alert test, syslog probe) failed. */
  DELIVERY: 9,
  /** `doctor`: at least one check failed (the report says what and what to do). */
  UNHEALTHY: 10,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
