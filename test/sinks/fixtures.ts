import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigSchema, type Config } from '../../daemon/config/schema.js';
import type { Sinks, TargetStatus } from '../../daemon/sinks/index.js';
import type { StoredEvent } from '../../daemon/contract/events.js';
import { auditEvent, tempDir as makeTempDir } from '../helpers/events.js';

// Shared by the sinks tests: stored rows as the store hands them over, a config, a temp data dir
// and a logger whose lines the tests can read.

export function stored(seq: number, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    ...auditEvent({
      ts: Date.parse('2026-03-10T12:00:00.250Z') + seq,
      session: 'sess-1',
      cmd: seq,
      command: `rm -rf /srv/data/${seq}`,
      rules: ['fs.rm-recursive'],
      matched: ['rm -rf /srv/data'],
      severity: 'critical',
      decision: 'blocked',
    }),
    seq,
    prevHash: createHash('sha256').update(`prev${seq}`).digest('hex'),
    hash: createHash('sha256').update(`row${seq}`).digest('hex'),
    ...over,
  };
}

export function config(raw: Record<string, unknown>): Config {
  return ConfigSchema.parse(raw);
}

export function tempDir(prefix = 'pg-sinks-'): { dir: string; cleanup: () => void } {
  return makeTempDir(prefix);
}

/** A pino logger that keeps its JSON lines for assertions. */
export function memoryLogger(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Fast retries for tests; the code paths are the production ones. */
export const FAST = {
  syslogBackoff: { baseMs: 30, maxMs: 150 },
  alertBackoff: { baseMs: 30, maxMs: 150 },
};

/** Polls the first target's status until `pred` holds (10 s bound). */
export async function waitStatus(sinks: Sinks, pred: (s: TargetStatus) => boolean): Promise<TargetStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [s] = await sinks.status();
    if (s && pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
