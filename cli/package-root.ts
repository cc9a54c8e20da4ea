import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where the prodguard package is installed, and the shell quoting of what the generated hook
// lines name in it: shared by `init` (shell hooks) and `init <agent>` (cli/init-agents.ts), which
// init.ts loads on demand (a module of its own, so that the two do not import each other).

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'shell-hooks'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the prodguard package (shell-hooks/) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** Single-quotes a string for the shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
