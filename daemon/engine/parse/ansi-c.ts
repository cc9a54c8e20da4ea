// Decoding of bash's ANSI-C quoting `$'...'` (`$'\x72m'` is `rm`).

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

function isHex(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/** Reads hex digits at `p` (at most `max`); returns the code point and the end, or null when none. */
function hexRun(s: string, p: number, max: number): [number, number] | null {
  let q = p;
  while (q < s.length && q - p < max && isHex(s[q]!)) q++;
  return q === p ? null : [parseInt(s.slice(p, q), 16), q];
}

function fromCode(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}

/**
 * Decodes the body of `$'...'` starting at `p` (just after the opening quote).
 * Returns the decoded text and the index after the closing quote (or s.length when unterminated).
 */
export function decodeAnsiC(s: string, p: number): { value: string; end: number; closed: boolean } {
  const out: string[] = [];
  let run = p;
  while (p < s.length) {
    const c = s[p]!;
    if (c === "'") {
      out.push(s.slice(run, p));
      return { value: out.join(''), end: p + 1, closed: true };
    }
    if (c !== '\\' || p + 1 >= s.length) {
      p++;
      continue;
    }
    out.push(s.slice(run, p));
    const e = s[p + 1]!;
    p += 2;
    if (e in SIMPLE) out.push(SIMPLE[e]!);
    else if (e >= '0' && e <= '7') {
      let q = p - 1;
      while (q < s.length && q - (p - 1) < 3 && s[q]! >= '0' && s[q]! <= '7') q++;
      out.push(String.fromCharCode(parseInt(s.slice(p - 1, q), 8) & 0xff));
      p = q;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const h = hexRun(s, p, e === 'x' ? 2 : e === 'u' ? 4 : 8);
      if (h) {
        out.push(fromCode(h[0]));
        p = h[1];
      } else out.push('\\' + e);
    } else if (e === 'c' && p < s.length) {
      out.push(String.fromCharCode(s.charCodeAt(p) & 0x1f));
      p++;
    } else out.push('\\' + e);
    run = p;
  }
  out.push(s.slice(run, p));
  return { value: out.join(''), end: s.length, closed: false };
}
