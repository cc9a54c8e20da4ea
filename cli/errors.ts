import { EXIT, type ExitCode } from '../daemon/contract/exit-codes.js';

/** A mistake the user can fix: printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.USAGE,
  ) {
    super(message);
  }
}

/** Prints an error the way every command does and returns the exit code to use. */
export function reportError(err: unknown): ExitCode {
  if (err instanceof UserError || (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number')) {
    process.stderr.write(`prodguard: ${err.message}\n`);
    return (err as UserError).exitCode;
  }
  const detail = err instanceof Error ? (process.env.PRODGUARD_DEBUG ? err.stack : err.message) : String(err);
  process.stderr.write(`prodguard: internal error: ${detail}\n(set PRODGUARD_DEBUG=1 for a stack trace; please report this)\n`);
  return EXIT.INTERNAL;
}
