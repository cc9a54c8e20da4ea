import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A real second local user for attacks from outside the user's uid (created idempotently, never
// deleted: other runs and areas may share the machine). Needs root: `.ci/run` runs as root.

export const ATTACKER = 'pgatk_auth';
export const isRoot = process.getuid?.() === 0;

/** Creates the attacker user once; its uid. */
export function ensureAttacker(): number {
  const has = spawnSync('id', ['-u', ATTACKER], { encoding: 'utf8' });
  if (has.status !== 0) {
    const made = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', ATTACKER], { encoding: 'utf8' });
    if (made.status !== 0 && !/already exists/.test(made.stderr)) throw new Error(`useradd ${ATTACKER}: ${made.stderr}`);
  }
  return Number(spawnSync('id', ['-u', ATTACKER], { encoding: 'utf8' }).stdout.trim());
}

/** A directory the attacker can read scripts from (0755, root's). */
export function scriptDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-attack-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Writes `source` as an ES module the attacker can run. */
export function attackScript(dir: string, name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source, { mode: 0o644 });
  return file;
}

/** Runs `cmd args` as the attacker (runuser), synchronously. */
export function asAttacker(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('runuser', ['-u', ATTACKER, '--', cmd, ...args], { encoding: 'utf8', input, cwd: '/' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `node script args` as the attacker in the background. */
export function spawnAsAttacker(script: string, args: string[]): ChildProcess {
  // A process group of its own: runuser forks the script as its child, so killing runuser alone
  // left the script running (stopAttacker kills the group).
  return spawn('runuser', ['-u', ATTACKER, '--', process.execPath, script, ...args], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Kills an attacker process started by spawnAsAttacker, and the script under it. */
export function stopAttacker(p: ChildProcess): void {
  try {
    if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
