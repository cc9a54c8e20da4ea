import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// vitest globalSetup: tests start the real CLI and daemon from dist/, so build once when dist is
// missing or older than any source. tsc emits even with type errors elsewhere; only a missing
// entry point fails the run. A directory lock keeps parallel test runs from building at once.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'cli', 'main.js');
// tsc leaves unchanged outputs untouched, so the build time is kept in a stamp of its own.
const stamp = join(root, 'dist', '.build-stamp');
const SOURCES = ['daemon', 'cli', 'test'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  if (!existsSync(entry) || !existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((d) => existsSync(join(root, d)) && newestSource(join(root, d)) > built);
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(root, 'dist.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held too long; remove it`);
      // A build older than 3 minutes is a dead one.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmdirSync(lock);
      } catch {
        /* gone meanwhile */
      }
      sleep(200);
    }
  }
  try {
    if (!stale()) return; // someone else built while we waited
    const startedAt = new Date();
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'ignore' });
    } catch {
      /* type errors still emit; checked below */
    }
    if (!existsSync(entry)) throw new Error('build failed: dist/cli/main.js missing (run npx tsc -p . to see why)');
    // Stamped with the start time: a source saved during the build makes the next run rebuild.
    writeFileSync(stamp, '');
    utimesSync(stamp, startedAt, startedAt);
  } finally {
    rmdirSync(lock);
  }
}

export default function setup(): void {
  ensureBuilt();
}
