// Making untrusted text safe to print: audit rows hold whatever was typed, and a command line
// carrying terminal escape sequences must not drive the reader's terminal.

// The one definition, shared with the daemon's message text (which the hooks print).
export { printable, terminalSafeJson } from '../../daemon/engine/redact/printable.js';

/** Cuts to `width` code points, marking the cut with an ellipsis. */
export function truncate(s: string, width: number): string {
  const cps = [...s];
  if (cps.length <= width) return s;
  if (width <= 1) return cps.slice(0, width).join('');
  return cps.slice(0, width - 1).join('') + '…';
}
