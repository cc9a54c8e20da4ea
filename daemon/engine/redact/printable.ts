// Making untrusted text safe to print on a terminal: audit rows and verdicts hold whatever was
// typed, and a command line carrying terminal escape sequences (`$'\e]0;title\a'`, a pasted CSI)
// must not drive the reader's terminal. Lives in the engine because the daemon's message text is
// printed by the hooks; the CLI renders through the same function.

/** C0, DEL, C1, the Unicode line/paragraph separators and bidi overrides (they reorder what is shown). */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** Control characters shown as visible escapes: \n, \t, \r, \x1b (ESC), \x07 (BEL), \x9b (CSI), \u202e. */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/**
 * JSON text safe for a terminal: JSON.stringify escapes C0 but leaves DEL, C1 (0x9b is CSI on
 * 8-bit terminals) and U+2028/2029 raw. Their \u escapes keep the JSON equal in meaning.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
