// The contract: every value the parts of prodguard share, written once (docs/architecture.md,
// "Source layout"). This index is for code that loads zod anyway; `prodguard log` and the store's
// hot paths import ./enums.js and ./event-fields.js directly so that they do not load zod.

export * from './agents.js';
export * from './enums.js';
export * from './event-fields.js';
export * from './events.js';
export * from './exit-codes.js';
export * from './protocol.js';
export * from './schemas.js';
export * from './verdict.js';
export * from './version.js';
