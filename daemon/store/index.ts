import { openStoreWith, StoreError, type AuditStore, type OpenOptions } from './sqlite.js';
import { AuditEventSchema, type AuditEvent } from '../contract/events.js';

export type { AuditEvent, StoredEvent } from '../contract/events.js';
export { BACKSTOP_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
export type * from './types.js';
export { StoreError, type AuditStore, type OpenOptions, type StoreErrorCode } from './sqlite.js';

// The audit store (sqlite.ts), with appendMany's events checked against the zod schema.

function checkEvent(e: unknown): AuditEvent {
  const parsed = AuditEventSchema.safeParse(e);
  if (!parsed.success)
    throw new StoreError('invalid', `audit event rejected: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function openStore(file: string, opts: OpenOptions = {}): AuditStore {
  return openStoreWith(checkEvent, file, opts);
}
