// The confirmation prompt, drawn on the real terminal while the client waits for its Enter. It
// reads keys the wrapper hands it (stdin is in raw mode and owned by the proxy), echoes them, and
// resolves with the typed phrase, or null on Ctrl-C / Ctrl-D / Esc.

import { DRY_RUN_HINT } from '../../daemon/engine/verdict/message.js';

export interface PromptIO {
  write(s: string): void;
  color: boolean;
}

const red = (io: PromptIO, s: string): string => (io.color ? `\x1b[1;31m${s}\x1b[0m` : s);
const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

export class ConfirmPrompt {
  private typed = '';
  private resolve: ((answer: string | null) => void) | null = null;

  constructor(private readonly io: PromptIO) {}

  get active(): boolean {
    return this.resolve !== null;
  }

  /** Shows what matched and why, and waits for the phrase. */
  ask(message: string, phrase: string): Promise<string | null> {
    this.typed = '';
    const lines = message.trim() ? message : `prodguard: this statement needs confirmation.\nType "${phrase}" to run it.`;
    const withoutDryRun = lines
      .split('\n')
      .filter((l) => !l.startsWith(DRY_RUN_HINT))
      .join('\n');
    this.io.write(`\r\n${red(this.io, crlf(withoutDryRun))}\r\n${red(this.io, 'prodguard')}> type "${phrase}" to send it, anything else cancels: `);
    return new Promise((resolve) => (this.resolve = resolve));
  }

  /** Feeds keys while the prompt is active. */
  key(k: string): void {
    if (!this.resolve) return;
    if (k === '\r' || k === '\n') return this.finish(this.typed);
    if (k === '\x03' || k === '\x04' || k === '\x1b') {
      this.io.write('^C');
      return this.finish(null);
    }
    if (k === '\x7f' || k === '\x08') {
      if (this.typed) {
        this.typed = [...this.typed].slice(0, -1).join('');
        this.io.write('\b \b');
      }
      return;
    }
    if (k === '\x15') {
      this.io.write('\b \b'.repeat([...this.typed].length));
      this.typed = '';
      return;
    }
    if (k.length <= 2 && k >= ' ' && !k.startsWith('\x1b')) {
      this.typed += k;
      this.io.write(k);
    }
  }

  private finish(answer: string | null): void {
    const r = this.resolve!;
    this.resolve = null;
    this.io.write('\r\n');
    r(answer);
  }
}
