// Skipping over quoted text and balanced parentheses without reading them: the probes and
// fallbacks of the parser (arithmetic `((...))`, `${...}`, extglob `!(...)`, a `$(...)` past the
// depth limit) must agree with the word scanner on where a quote ends, so they all ask here.

const BSL = 92,
  DQ = 34,
  DOLLAR = 36,
  SQ = 39,
  LP = 40,
  RP = 41;

/**
 * The index after the quoted text opening at `p`: `'...'` (no escapes), `"..."` and `$'...'`
 * (a backslash escapes the next character). -1 when the quote is not closed.
 */
export function quoteEnd(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c === SQ) {
    const e = s.indexOf("'", p + 1);
    return e < 0 ? -1 : e + 1;
  }
  const open = c === DOLLAR ? p + 1 : p; // `$'`: the quote is the next character
  const close = s.charCodeAt(open);
  for (let q = open + 1; q < s.length; q++) {
    const d = s.charCodeAt(q);
    if (d === BSL) q++;
    else if (d === close) return q + 1;
  }
  return -1;
}

/** Whether a quote that quoteEnd skips opens at `p` (outside double quotes). */
export function opensQuote(s: string, p: number): boolean {
  const c = s.charCodeAt(p);
  return c === SQ || c === DQ || (c === DOLLAR && s.charCodeAt(p + 1) === SQ);
}

/**
 * From an opening `(` at `p`, the index after its matching `)` (or the end), skipping quotes.
 * Iterative: used where we must not recurse (depth limit reached, extglob).
 */
export function skipBalanced(s: string, p: number): number {
  const n = s.length;
  let depth = 0;
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === BSL) p += 2;
    else if (opensQuote(s, p)) {
      const e = quoteEnd(s, p);
      p = e < 0 ? n : e;
    } else if (c === LP) {
      depth++;
      p++;
    } else if (c === RP) {
      p++;
      if (--depth <= 0) return p;
    } else p++;
  }
  return n;
}
