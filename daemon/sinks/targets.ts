import type pino from 'pino';
import type { Config } from '../config/schema.js';
import { AlertSink, type AlertTuning } from './alerts/sink.js';
import type { Backoff } from './backoff.js';
import { openOutbox, type Db } from './outbox.js';
import { facilityCode } from './syslog/format.js';
import { SyslogSink, syslogKeys } from './syslog/sink.js';

// The configured targets, each with its queue in the one outbox database.

export interface TargetOptions {
  hostname: string;
  logger: pino.Logger;
  syslogBackoff: Backoff;
  syslogWriteTimeoutMs: number | undefined;
  alertTuning: AlertTuning;
}

export interface Targets {
  db: Db;
  syslog: SyslogSink[];
  alerts: AlertSink[];
}

/**
 * Which syslog targets can run: one with an unknown facility is left out (logged; doctor shows
 * it), as a syslog typo must not stop the daemon that guards the shells.
 */
export function usableSyslogTargets(config: Config, log: pino.Logger): boolean[] {
  return config.syslog.targets.map((t) => {
    try {
      facilityCode(t.facility);
      return true;
    } catch (err) {
      log.error({ err: (err as Error).message, target: t.type }, 'syslog target left out: fix its facility in the config');
      return false;
    }
  });
}

/** Opens the outbox and a sink per usable target, and resumes what a previous run left queued. */
export async function openTargets(config: Config, dataDir: string, usable: boolean[], o: TargetOptions): Promise<Targets> {
  const db = await openOutbox(dataDir);
  const keys = syslogKeys(config.syslog.targets);
  const syslog = config.syslog.targets.flatMap((t, i) =>
    usable[i]
      ? [
          new SyslogSink(keys[i]!, t, db, {
            hostname: o.hostname,
            logger: o.logger,
            backoff: o.syslogBackoff,
            writeTimeoutMs: o.syslogWriteTimeoutMs,
          }),
        ]
      : [],
  );
  const alerts = config.alerts.targets.map((t) => new AlertSink(t, db, { logger: o.logger }, o.alertTuning));
  for (const s of [...syslog, ...alerts]) s.kick();
  return { db, syslog, alerts };
}
