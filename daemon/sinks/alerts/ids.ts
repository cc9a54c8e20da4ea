import { randomUUID } from 'node:crypto';

/** A Standard Webhooks message id (`msg_` + 32 hex), created once per outbox row. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}
