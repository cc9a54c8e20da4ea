import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Grants, type Grant } from './grants.js';

// Allow-once state while the daemon is down: a 0600 JSON file in the 0700 run dir, rewritten
// whole through a rename. The daemon takes it over when it starts (and removes it). Two hook
// processes writing at the same moment: the last rename wins (a lost code is only asked again).

export const grantsFile = (runDir: string): string => join(runDir, 'agent-grants.json');

const isGrant = (g: unknown): g is Grant => {
  const x = g as Record<string, unknown> | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof x.code === 'string' &&
    typeof x.agent === 'string' &&
    typeof x.session === 'string' &&
    typeof x.lineHash === 'string' &&
    typeof x.redacted === 'string' &&
    typeof x.cwd === 'string' &&
    Array.isArray(x.rules) &&
    x.rules.every((r) => typeof r === 'string') &&
    typeof x.phrase === 'string' &&
    typeof x.issuedAt === 'number' &&
    (x.approvedAt === null || typeof x.approvedAt === 'number') &&
    (x.approver === null || typeof x.approver === 'string') &&
    typeof x.wrong === 'number'
  );
};

/** The grants in the file; an unreadable or foreign file holds none (it is replaced on the next save). */
export function loadGrants(runDir: string): Grants {
  try {
    const raw = JSON.parse(readFileSync(grantsFile(runDir), 'utf8')) as unknown;
    return new Grants(Array.isArray(raw) ? raw.filter(isGrant) : []);
  } catch {
    return new Grants();
  }
}

export function saveGrants(runDir: string, grants: Grants): void {
  const file = grantsFile(runDir);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(grants.all()));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The daemon's start: the file's grants move into its memory. */
export function takeOverGrants(runDir: string): Grants {
  if (!existsSync(grantsFile(runDir))) return new Grants();
  const g = loadGrants(runDir);
  rmSync(grantsFile(runDir), { force: true });
  return g;
}
