// Making untrusted text safe to print: audit rows hold whatever was typed, and a command line
// carrying terminal escape sequences must not drive the reader's terminal.

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** Control characters shown as visible escapes (\n, \t, \x1b, ...). */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Cuts to `width` code points, marking the cut with an ellipsis. */
export function truncate(s: string, width: number): string {
  const cps = [...s];
  if (cps.length <= width) return s;
  if (width <= 1) return cps.slice(0, width).join('');
  return cps.slice(0, width - 1).join('') + '…';
}
