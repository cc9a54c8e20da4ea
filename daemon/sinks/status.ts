// What `status()` and `prodguard doctor` say about each target.

export interface TargetStatus {
  kind: 'syslog' | 'alert';
  /** Syslog: `type:address:format`; alerts: the configured name. */
  name: string;
  type: string;
  /** Where it sends, without secrets (a Slack URL's path is a credential: only its origin). */
  address: string;
  /** Nothing wrong now: reachable, not overflowing, no alert given up in the last 7 days. */
  ok: boolean;
  connected: boolean;
  /** Messages waiting in the outbox (syslog queue / pending alerts). */
  queued: number;
  /** Syslog messages dropped because the queue was full (queueMax), ever. */
  dropped: number;
  delivered: number;
  pending: number;
  /** Alerts given up (after maxAgeMinutes or a permanent HTTP error) in the last 7 days. */
  gaveUp: number;
  lastError: string | null;
  /** What to do about it, when not ok (doctor). */
  advice?: string;
}
