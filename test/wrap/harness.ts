import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliMain } from '../helpers/daemon.js';
import { cleanEnv, ShellSession } from '../helpers/pty.js';

// Runs `prodguard wrap <client> ...` (the built CLI) under a real pseudo-terminal, in production,
// with an isolated PRODGUARD_HOME whose config makes DROP TABLE a confirm rule regardless of
// what the built-in catalog says (so these tests exercise wrap, not the catalog's severities).

export const WRAP_CONFIG = {
  policy: { critical: 'confirm' },
  rules: {
    custom: [
      {
        id: 'wraptest.drop-table',
        domain: 'sql',
        severity: 'high',
        reason: 'drops a table and its data',
        match: { statement: '^\\s*DROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?([^\\s;]+)', dialect: ['sql'] },
        target: { from: 'capture' },
        action: 'confirm',
        alternative: 'ALTER TABLE ... RENAME TO ... first',
      },
    ],
  },
};

export function wrapHome(config: object = WRAP_CONFIG): string {
  const home = mkdtempSync(join(tmpdir(), 'pg-wrap-home-'));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

export async function spawnWrap(args: string[], opts: { home: string; cwd?: string; env?: Record<string, string> }): Promise<ShellSession> {
  const { spawn } = await import('node-pty');
  const dir = mkdtempSync(join(tmpdir(), 'pg-wrap-run-'));
  const env = cleanEnv(dir, { PRODGUARD_HOME: opts.home, PRODGUARD_ENV: 'production', NO_COLOR: '1', ...opts.env });
  const pty = spawn(process.execPath, [cliMain, 'wrap', ...args], { name: 'xterm-256color', cols: 120, rows: 40, cwd: opts.cwd ?? dir, env });
  return new ShellSession(pty, dir);
}

export const CONFIRM_PROMPT = (phrase: string): RegExp => new RegExp(`type "${phrase}" to send it`);
export const REFUSED = /not sent; the client's input was cleared/;
