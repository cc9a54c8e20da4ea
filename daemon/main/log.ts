import { chmodSync, closeSync, openSync } from 'node:fs';
import pino, { type Logger } from 'pino';

// The daemon's own log: pino to daemon.log (0600), and stderr in the foreground.

export type { Logger };

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createLogger(file: string, toStderr: boolean): Logger {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: file, sync: false }) }];
  if (toStderr) streams.push({ stream: process.stderr });
  return pino({ base: { pid: process.pid }, level: process.env.PRODGUARD_LOG_LEVEL ?? 'info' }, pino.multistream(streams));
}
