import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPty } from 'node-pty';

// Drives a real interactive bash or zsh through a pseudo-terminal: a clean environment, our own
// rc file, keys written as a user would type them, and waits on the screen output with a bounded
// poll (never a bare sleep).

export type ShellName = 'bash' | 'zsh';

export interface ShellOptions {
  shell: ShellName;
  /** Contents of the rc file (~/.bashrc via --rcfile, $ZDOTDIR/.zshrc for zsh). */
  rc: string;
  /** Extra environment on top of the clean one (PATH, HOME, TERM, LANG). */
  env?: Record<string, string>;
  cwd?: string;
  cols?: number;
  rows?: number;
}

/** Strips CSI/OSC escape sequences and carriage returns so tests can match plain text. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\x1b[=>]/g, '')
    .replace(/\r/g, '');
}

export class ShellSession {
  private raw = '';
  private exitInfo: { exitCode: number; signal?: number } | null = null;
  readonly exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(
    readonly pty: IPty,
    readonly dir: string,
  ) {
    pty.onData((d) => {
      this.raw += d;
    });
    this.exited = new Promise((resolve) => {
      pty.onExit((e) => {
        this.exitInfo = e;
        resolve(e);
      });
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Everything the terminal showed so far, escape sequences removed. */
  text(): string {
    return plain(this.raw);
  }

  /** Everything the terminal was sent, escape sequences and all. */
  rawText(): string {
    return this.raw;
  }

  /** A position in the output: pass it to waitFor to only look at what comes after. */
  mark(): number {
    return this.text().length;
  }

  write(keys: string): void {
    this.pty.write(keys);
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.pty.write(`${text}\r`);
  }

  /** Waits until the output after `since` matches `re`; rejects with the tail of the screen on timeout. */
  async waitFor(re: RegExp, opts: { since?: number | undefined; timeoutMs?: number | undefined } = {}): Promise<RegExpMatchArray> {
    const since = opts.since ?? 0;
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const m = this.text().slice(since).match(re);
      if (m) return m;
      if (!this.alive) throw new Error(`shell exited (${JSON.stringify(this.exitInfo)}) before ${re}; output:\n${this.text().slice(-1500)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output after mark:\n${this.text().slice(since).slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Types `text`, Enter, and waits for `re` in what follows. */
  async run(text: string, re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    const since = this.mark();
    this.line(text);
    return this.waitFor(re, { since, timeoutMs });
  }

  async close(): Promise<void> {
    if (this.alive) {
      try {
        this.pty.kill('SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A clean environment: nothing from the test runner leaks into the shell. */
export function cleanEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    USER: process.env.USER ?? 'root',
    ...extra,
  };
}

export async function spawnShell(opts: ShellOptions): Promise<ShellSession> {
  const { spawn } = await import('node-pty');
  const dir = mkdtempSync(join(tmpdir(), `pg-${opts.shell}-`));
  const env = cleanEnv(dir, opts.env);
  let file: string;
  let args: string[];
  if (opts.shell === 'bash') {
    const rc = join(dir, '.bashrc');
    writeFileSync(rc, opts.rc);
    file = 'bash';
    args = ['--noprofile', '--rcfile', rc, '-i'];
  } else {
    writeFileSync(join(dir, '.zshrc'), opts.rc);
    env.ZDOTDIR = dir;
    file = 'zsh';
    // -d: no /etc/zsh rc files, so the distribution's compinit and friends stay out.
    args = ['-d', '-i'];
  }
  const pty = spawn(file, args, { name: 'xterm-256color', cols: opts.cols ?? 200, rows: opts.rows ?? 50, cwd: opts.cwd ?? dir, env });
  return new ShellSession(pty, dir);
}
