import { severityRank, type Severity } from '../../contract/enums.js';
import type { AlertTarget } from '../../config/schema.js';
import type { Decision, StoredEvent } from '../../contract/events.js';
import type { z } from 'zod';
import type { AlertEventSchema } from '../../config/schema.js';

// What an alert is about, stored as JSON in the outbox and rendered per target type at send time
// (so a summary can be built from the items it covers).

export type AlertEvent = z.infer<typeof AlertEventSchema>;

export interface AlertItem {
  event: AlertEvent | 'test';
  ts: number;
  user: string;
  host: string;
  session: string;
  command: string | null;
  rules: string[];
  severity: Severity | null;
  decision: Decision | null;
  seq: number | null;
  hash: string | null;
  cwd: string;
  env: string | null;
  detail: string | null;
}

export interface SummaryItem {
  count: number;
  from: number;
  to: number;
  /** Count per event type, e.g. { blocked: 40, confirmed: 10 }. */
  byEvent: Record<string, number>;
  /** The first items of the burst (capped). */
  items: AlertItem[];
}

export const SUMMARY_ITEMS_MAX = 20;

/** Which alert event a stored row is, or null when rows of its kind never alert. */
export function alertEventOf(e: StoredEvent): AlertEvent | null {
  if (e.kind === 'session-start') return 'session-start';
  if (e.kind === 'disabled') return 'disabled';
  if (e.kind === 'tampered') return 'tampered';
  if (e.kind !== 'command' && e.kind !== 'statement') return null;
  switch (e.decision) {
    case 'confirmed':
    case 'blocked':
    case 'cancelled':
    case 'dry-run':
    case 'disabled':
      return e.decision;
    // An agent's line refused until a human allows it once: like a cancelled line, it did not run.
    case 'denied':
      return 'cancelled';
    default:
      return null;
  }
}

export function itemOf(e: StoredEvent, event: AlertEvent, redact: (s: string) => string): AlertItem {
  return {
    event,
    ts: e.ts,
    user: redact(e.user),
    host: e.host,
    session: e.session,
    command: e.command === null ? null : redact(e.command),
    rules: e.rules,
    severity: e.severity,
    decision: e.decision,
    seq: e.seq,
    hash: e.hash,
    cwd: redact(e.cwd),
    env: e.env,
    detail: null,
  };
}

export function bareItem(event: AlertItem['event'], host: string, detail: string, ts: number, extra: Partial<AlertItem> = {}): AlertItem {
  return {
    event,
    ts,
    user: '',
    host,
    session: '',
    command: null,
    rules: [],
    severity: null,
    decision: null,
    seq: null,
    hash: null,
    cwd: '',
    env: null,
    detail,
    ...extra,
  };
}

/** The events a real run of a destructive line is recorded as. */
const REAL_RUN_EVENTS: readonly AlertEvent[] = ['blocked', 'confirmed', 'cancelled'];

/**
 * The target's event filter and minimum severity (events without a rule severity pass it). A dry
 * run of a critical rule is alerted like the real thing would be: a target that wants the real
 * line's events (blocked, confirmed, cancelled) gets it even without `dry-run` in its list.
 */
export function wants(t: AlertTarget, item: AlertItem): boolean {
  if (item.event === 'test') return true;
  const criticalDryRun = item.event === 'dry-run' && item.severity === 'critical' && REAL_RUN_EVENTS.some((e) => t.events.includes(e));
  if (!t.events.includes(item.event) && !criticalDryRun) return false;
  if (item.severity === null) return true;
  return severityRank(item.severity) >= severityRank(t.minSeverity);
}
