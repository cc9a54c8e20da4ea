// Splits what the user typed (a raw-mode stdin chunk) into keys: one printable character, one
// control character, or one whole escape sequence. Bracketed-paste markers are keys too.

export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

// CSI: ESC [ params intermediates final; SS3: ESC O x; Alt-x: ESC x.
// eslint-disable-next-line no-control-regex
const ESCAPE = /^\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|O.|[\s\S])?/;

export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const c = chunk.charCodeAt(i);
    if (c === 0x1b) {
      const m = ESCAPE.exec(chunk.slice(i, i + 32))!;
      keys.push(m[0]);
      i += m[0].length;
      continue;
    }
    // Keep surrogate pairs together.
    const len = c >= 0xd800 && c <= 0xdbff && i + 1 < chunk.length ? 2 : 1;
    keys.push(chunk.slice(i, i + len));
    i += len;
  }
  return keys;
}

export const isEnter = (k: string): boolean => k === '\r' || k === '\n';
