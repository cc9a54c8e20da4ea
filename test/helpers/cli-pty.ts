import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliMain } from './daemon.js';
import { cleanEnv, ShellSession } from './pty.js';

/** Runs the built `prodguard ARGS` under a real pseudo-terminal, as a user at a terminal would. */
export async function spawnCli(args: string[], env: Record<string, string>): Promise<ShellSession> {
  const { spawn } = await import('node-pty');
  const dir = mkdtempSync(join(tmpdir(), 'pg-cli-pty-'));
  const pty = spawn(process.execPath, [cliMain, ...args], {
    name: 'xterm-256color',
    cols: 160,
    rows: 40,
    cwd: dir,
    env: cleanEnv(dir, { NO_COLOR: '1', ...env }),
  });
  return new ShellSession(pty, dir);
}
