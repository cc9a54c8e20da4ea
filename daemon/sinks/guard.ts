import type { Config } from '../config/schema.js';
import { createRedactor, type Redactor } from '../engine/redact/index.js';

// A second guard: everything the sinks send comes from the store and is already redacted, but the
// text goes through the engine's redaction once more before it leaves the machine (redacting
// redacted text is a no-op: the mask matches none of the secret patterns).

export type { Redactor } from '../engine/redact/index.js';

export function sinkRedactor(config: Config): Redactor {
  return createRedactor(config);
}
