import { readFileSync, statSync, type Stats } from 'node:fs';

// Small files read on every evaluation (kubeconfig, .terraform/environment): parsed once and
// re-read only when their mtime or size changes, so a context switch is seen on the next line.

interface Entry {
  mtimeMs: number;
  size: number;
  value: unknown;
}
const cache = new Map<string, Entry>();
const MAX_ENTRIES = 256;
/** A kubeconfig is a few KB; refuse to slurp anything absurd into the hot path. */
const MAX_BYTES = 4 * 1024 * 1024;

export function readCached<T>(file: string, parse: (text: string) => T | null): T | null {
  let st: Stats | undefined;
  try {
    st = statSync(file, { throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (!st?.isFile() || st.size > MAX_BYTES) return null;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value as T | null;
  let value: T | null = null;
  try {
    value = parse(readFileSync(file, 'utf8'));
  } catch {
    value = null;
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, value });
  return value;
}
