import { readFileSync } from 'node:fs';

// The package version, read once from package.json (three levels up from dist/daemon/contract,
// two from the sources when vitest runs the TypeScript directly): the one place it is written.

let cached: string | null = null;

export function packageVersion(): string {
  if (cached) return cached;
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'prodguard' && pkg.version) return (cached = pkg.version);
    } catch {
      /* try the next candidate */
    }
  }
  return (cached = '0.0.0');
}
