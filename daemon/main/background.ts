import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { WarmupState } from '../contract/enums.js';
import type { Paths } from '../paths.js';
import type { LineEvaluator } from '../server/handler.js';
import { warmUp } from '../server/warmup.js';
import type { createSpoolIngester } from '../spool/ingest.js';
import type { Cleanups } from './cleanups.js';
import type { Listeners } from './listeners.js';
import { errText, type Logger } from './log.js';

// The daemon's work besides answering requests: the warm-up after start, and once a second the
// spool ingestion and the socket watch.

/** Spool ingestion and the socket watch run at this period. */
const TICK_MS = 1_000;

/** Starts the warm-up off the start path (the listeners serve while it runs); returns its state. */
export function startWarmup(
  deps: { engine: () => LineEvaluator; config: () => Config; paths: Paths; log: Logger },
  lines: number,
  cleanups: Cleanups,
): () => WarmupState {
  if (lines <= 0) return () => 'off';
  let state: WarmupState = 'running';
  const abort = new AbortController();
  const socketPath = join(deps.paths.runDir, 'warmup.sock');
  const warming = warmUp({ engine: deps.engine, config: deps.config, socketPath }, lines, abort.signal).then(
    (r) => {
      state = 'done';
      deps.log.info({ lines: r.lines, ms: Math.round(r.ms), stopped: abort.signal.aborted }, 'request path warmed up');
    },
    (err) => {
      state = 'failed';
      deps.log.warn({ err: errText(err) }, 'warm-up failed (requests are served all the same)');
    },
  );
  cleanups.add(() => (abort.abort(), warming));
  return () => state;
}

type Ingester = ReturnType<typeof createSpoolIngester>;

/** Ingests the spool now, then every tick along with the socket watch. */
export async function startTicks(ingester: Ingester, listeners: Listeners, log: Logger, cleanups: Cleanups): Promise<void> {
  const ingest = async (): Promise<void> => {
    const s = await ingester.ingest();
    if (s.lines) log.info({ ...s }, 'spool ingested');
    if (s.invalid) log.warn({ invalid: s.invalid }, 'spool lines skipped: not valid requests');
  };
  await ingest();
  const tick = setInterval(() => {
    listeners.watchSocket().catch((err) => log.error({ err: errText(err) }, 'socket recreation failed'));
    ingest().catch((err) => log.error({ err: errText(err) }, 'spool ingestion failed'));
  }, TICK_MS);
  cleanups.add(() => clearInterval(tick));
}

/** SIGTERM/SIGINT stop, SIGHUP reloads; removed last at stop. */
export function installSignals(stop: () => void, reload: () => void, cleanups: Cleanups): void {
  const onStop = (): void => stop();
  const onHup = (): void => reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  cleanups.addUndoneLast(() => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  });
}
