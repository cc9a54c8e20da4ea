// Statement splitter for mongosh input (JavaScript): splits at `;` and at newlines that end a
// statement, outside strings, template literals, comments and brackets. A newline does not end
// a statement when the line ends with an operator or the next line starts with `.` (chaining).

import { StatementBuilder } from './builder.js';

export interface JsScan {
  statements: string[];
  /** Offset in the text of each statement's first character. */
  starts: number[];
  rest: string;
  /** Offset of `rest`'s first character (-1 when nothing is pending). */
  restStart: number;
  /** Ends inside a string, a comment, or an open bracket: mongosh would wait for more input. */
  open: boolean;
}

const WS = new Set([' ', '\t', '\r', '\f', '\v']);
const SPECIAL = new Set([...WS, '\n', "'", '"', '`', '/', ';', '(', ')', '[', ']', '{', '}']);
const CONTINUES_LINE = new Set(['.', ',', '(', '[', '{', '+', '-', '*', '/', '%', '=', '&', '|', '?', ':', '!', '<', '>']);
const CONTINUES_NEXT = new Set(['.', ')', ']', '}', '?', ':', ',']);

function stringEnd(text: string, i: number): number {
  const q = text[i];
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === q) return j;
  }
  return -1;
}

export function scanJs(text: string): JsScan {
  const n = text.length;
  const b = new StatementBuilder();
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (WS.has(c)) {
      b.space = true;
      i++;
      continue;
    }
    if (c === '\n') {
      i++;
      if (depth > 0 || b.parts.length === 0 || CONTINUES_LINE.has(b.last)) {
        b.space = true;
        continue;
      }
      let j = i;
      while (j < n && (WS.has(text[j]!) || text[j] === '\n')) j++;
      if (j < n && CONTINUES_NEXT.has(text[j]!)) b.space = true;
      else b.emit();
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      b.space = true;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      if (e < 0) {
        b.open = true;
        i = n;
      } else i = e + 2;
      b.space = true;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const e = stringEnd(text, i);
      i = b.literal(text, i, e < 0 ? -1 : e + 1);
      continue;
    }
    if (c === ';' && depth === 0) {
      b.emit();
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    let j = i + 1;
    if (!SPECIAL.has(c)) while (j < n && !SPECIAL.has(text[j]!)) j++;
    b.push(text.slice(i, j), i);
    i = j;
  }
  return { statements: b.statements, starts: b.starts, rest: b.rest, restStart: b.parts.length ? b.start : -1, open: b.open || depth > 0 };
}
