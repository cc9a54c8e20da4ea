import { PASTE_END, PASTE_START } from './keys.js';

// A shadow of the line the client's line editor (readline, editline, linenoise, the Node REPL)
// holds, rebuilt from the keys the user types. Editing keys whose effect is certain under the
// default emacs bindings are applied; keys whose effect depends on state we cannot see (history
// recall, tab completion, reverse search, yank, vi mode, Alt-keys) make the shadow `uncertain`,
// and the caller falls back to the echoed line on the screen (echo-screen.ts).

const WORD_RUBOUT = /\S+\s*$|\s+$/;

export class LineShadow {
  text = '';
  cursor = 0;
  certain = true;
  /** Inside a bracketed paste: newlines are text, not Enter. */
  pasting = false;

  get empty(): boolean {
    return this.certain && this.text === '';
  }

  reset(): void {
    this.text = '';
    this.cursor = 0;
    this.certain = true;
    this.pasting = false;
  }

  private insert(s: string): void {
    this.text = this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor);
    this.cursor += s.length;
  }

  /** Applies one key (not Enter outside a paste, not Ctrl-C: the caller handles those). */
  apply(key: string): void {
    if (key === PASTE_START) return void (this.pasting = true);
    if (key === PASTE_END) return void (this.pasting = false);
    if (this.pasting) return this.insert(key === '\r' ? '\n' : key);
    const t = this.text;
    switch (key) {
      case '\x7f':
      case '\x08':
        if (this.cursor > 0) {
          this.text = t.slice(0, this.cursor - 1) + t.slice(this.cursor);
          this.cursor--;
        }
        return;
      case '\x04': // Ctrl-D on a non-empty line deletes the character under the cursor
      case '\x1b[3~':
        this.text = t.slice(0, this.cursor) + t.slice(this.cursor + 1);
        return;
      case '\x15': // Ctrl-U: kill to the start of the line
        this.text = t.slice(this.cursor);
        this.cursor = 0;
        return;
      case '\x0b': // Ctrl-K: kill to the end
        this.text = t.slice(0, this.cursor);
        return;
      case '\x17': {
        // Ctrl-W: readline's unix-word-rubout (whitespace-delimited)
        const before = t.slice(0, this.cursor).replace(WORD_RUBOUT, '');
        this.text = before + t.slice(this.cursor);
        this.cursor = before.length;
        return;
      }
      case '\x01':
      case '\x1b[H':
      case '\x1bOH':
      case '\x1b[1~':
        this.cursor = 0;
        return;
      case '\x05':
      case '\x1b[F':
      case '\x1bOF':
      case '\x1b[4~':
        this.cursor = t.length;
        return;
      case '\x02':
      case '\x1b[D':
      case '\x1bOD':
        this.cursor = Math.max(0, this.cursor - 1);
        return;
      case '\x06':
      case '\x1b[C':
      case '\x1bOC':
        this.cursor = Math.min(t.length, this.cursor + 1);
        return;
      case '\x0c': // Ctrl-L redraws; the line is unchanged
        return;
    }
    const code = key.codePointAt(0)!;
    if (key.length <= 2 && code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) return this.insert(key);
    // Tab, Up/Down, Ctrl-P/N/R/S/Y/T, Alt-x, function keys: the editor changes the line in ways
    // only it knows.
    this.certain = false;
  }
}
