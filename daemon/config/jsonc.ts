// The config file is JSON with comments (`// ...` and `/* ... */`), so `prodguard config init` can
// write every default with its meaning beside it. Comments are blanked, not removed: every other
// character keeps its offset, so a JSON.parse position still points at the user's line and column.

export function blankComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      const end = nl === -1 ? text.length : nl;
      out += ' '.repeat(end - i);
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      out += text.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the string literal opening at `start` (or the end of the text). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"' || text[i] === '\n') return i + 1;
  }
  return text.length;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * JSON.parse's message, made to say where: V8 names a character offset ("at position 35"), or
 * nothing at the very end of the input ("Unexpected end of JSON input").
 */
export function describeJsonError(text: string, err: Error): string {
  const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec(err.message);
  if (m) {
    const { line, column } = lineColumn(text, Number(m[2]));
    return `invalid JSON at line ${line}, column ${column}: ${m[1]!.replace(/^Unexpected token/, 'unexpected token')}`;
  }
  if (/end of JSON input/.test(err.message)) {
    const { line, column } = lineColumn(text, text.trimEnd().length);
    return `invalid JSON at line ${line}, column ${column}: the file ends before the JSON is complete (a missing } or ]?)`;
  }
  return `invalid JSON (${err.message})`;
}
