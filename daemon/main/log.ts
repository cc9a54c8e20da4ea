import { chmodSync, closeSync, openSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { openLogFile, type LogFile } from '../server/log-file.js';

// The daemon's own log: pino to daemon.log (0600), and stderr in the foreground.

export type { Logger };

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The daemon's pino logger; its file never blocks or retries on the main loop (server/log-file.ts). */
export function createLogger(file: string, toStderr: boolean): { log: Logger; logFile: LogFile } {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const logFile = openLogFile(file);
  const streams: pino.StreamEntry[] = [{ stream: logFile }];
  if (toStderr) streams.push({ stream: process.stderr });
  return { log: pino({ base: { pid: process.pid }, level: process.env.PRODGUARD_LOG_LEVEL ?? 'info' }, pino.multistream(streams)), logFile };
}
