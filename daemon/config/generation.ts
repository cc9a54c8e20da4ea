import { createHash } from 'node:crypto';
import type { Config } from './schema.js';

// The config generation a shell hook was generated from: a digest of the settings `prodguard
// init` bakes into the hook (production detection, the marker, wrap functions, the timeout).
// The hook sends it with each check; the daemon answers with its own when they differ, and the
// hook regenerates itself (docs/architecture.md). A digest rather than a reload counter: `init`
// runs in its own process and computes the same value from the same config.

const cache = new WeakMap<Config, string>();

export function hookGeneration(config: Config): string {
  let g = cache.get(config);
  if (g === undefined) {
    const baked = [config.production, config.prompt.marker, config.wrap.shellFunctions, config.daemon.hookTimeoutMs];
    g = createHash('sha256').update(JSON.stringify(baked)).digest('hex').slice(0, 16);
    cache.set(config, g);
  }
  return g;
}
