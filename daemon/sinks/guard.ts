import type { Config } from '../config/schema.js';

// A second guard: everything the sinks send comes from the store and is already redacted, but the
// text is run through the engine's `redact` once more before it leaves the machine. The engine
// module is loaded lazily (by a computed specifier, so this file builds before it exists); until
// it is there, a minimal fallback masks the configured patterns and secret-named variables.

export type Redactor = (text: string) => string;

const ENGINE_REDACT = ['../engine/redact/index.js', '../engine/redact/redact.js'];
const MASK = '***';

export async function loadRedactor(config: Config): Promise<Redactor> {
  for (const spec of ENGINE_REDACT) {
    try {
      const mod = (await import(spec)) as { redact?: (line: string, config: Config) => unknown };
      if (typeof mod.redact === 'function') {
        const fn = mod.redact;
        return (text) => asText(fn(text, config), text);
      }
    } catch {
      // not there (yet): try the next name, then the fallback
    }
  }
  return fallbackRedactor(config);
}

/** The engine may return the text or an object carrying it. */
function asText(out: unknown, input: string): string {
  if (typeof out === 'string') return out;
  if (out && typeof out === 'object') {
    for (const k of ['line', 'text', 'redacted']) {
      const v = (out as Record<string, unknown>)[k];
      if (typeof v === 'string') return v;
    }
  }
  return input;
}

export function fallbackRedactor(config: Config): Redactor {
  const patterns = config.redact.patterns.flatMap((p) => {
    try {
      return [new RegExp(p, 'g')];
    } catch {
      return [];
    }
  });
  const names = new RegExp(`(\\b[A-Za-z_]*${config.redact.variableNames}[A-Za-z0-9_]*=)("[^"]*"|'[^']*'|\\S+)`, 'gi');
  return (text) => {
    let out = text.replace(names, (_m, lhs: string, value: string) => (value === MASK ? lhs + value : lhs + MASK));
    for (const re of patterns) out = out.replace(re, MASK);
    return out;
  };
}
