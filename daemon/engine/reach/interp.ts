import { scanInterpreterCodeBounded, type Language } from '../interp/index.js';
import type { RecipeLine } from './make.js';

// The content judge for interpreter files (`python x.py`, `node x.js`, a script whose shebang is
// ruby or perl): the catalog's interpreter-code scanner (daemon/engine/interp) turns each call
// that runs a shell line or removes, truncates or overwrites files into the shell line it amounts
// to (`shutil.rmtree(p)` -> `rm -rf p`), which reach then parses and judges like the script's own
// shell, at the call's `file:line`.

export type InterpLanguage = 'python' | 'node' | 'ruby' | 'perl';

const SCANNER_LANGUAGE: Record<InterpLanguage, Language> = { python: 'python', node: 'js', ruby: 'ruby', perl: 'perl' };

/** Most shell lines taken from one file. */
export const MAX_FILE_CALLS = 256;
/**
 * A file is scanned in pieces of about this many characters, cut at line ends, each with the
 * scanner's limits below (calls translated, call sites examined): a whole file in one piece
 * would stop at its first few hundred call sites. What a limit leaves unread is said.
 */
const PIECE = 8192;
const PIECE_LIMITS = { calls: 64, attempts: 1024 };

/** Python module aliases (`import shutil as sh`): repeated before each later piece of a file. */
const PY_ALIAS_LINE = /^[ \t]*import[ \t]+(?:os|subprocess|shutil|pathlib)[ \t]+as[ \t]+\w+[ \t]*$/gm;

export interface InterpreterCalls {
  /** The shell line of each call, at the call's line. */
  calls: RecipeLine[];
  /** Why some of the file was not translated (empty: all of it was). */
  incomplete: string[];
}

/** Shell text an interpreter file would run, with the line of the call it comes from. */
export function judgeInterpreterFile(language: InterpLanguage, code: string): InterpreterCalls {
  const lang = SCANNER_LANGUAGE[language];
  const calls: RecipeLine[] = [];
  const incomplete: string[] = [];
  // (the scanner reads the first 8 aliases of a piece: the prelude holds no more)
  const prelude = lang === 'python' && code.length > PIECE ? (code.match(PY_ALIAS_LINE) ?? []).slice(0, 8).join('\n') : '';
  const preludeLines = prelude ? prelude.split('\n').length : 0;
  let lineBase = 0;
  for (let at = 0; at < code.length; ) {
    let end = Math.min(code.length, at + PIECE);
    if (end < code.length) {
      const nl = code.lastIndexOf('\n', end - 1);
      if (nl >= at) end = nl + 1;
    }
    const piece = code.slice(at, end);
    const later = at > 0 && prelude !== '';
    const { found, complete } = scanInterpreterCodeBounded(lang, later ? `${prelude}\n${piece}` : piece, PIECE_LIMITS);
    const skipped = later ? preludeLines : 0;
    const pieceLines = { from: lineBase + 1, to: lineBase };
    for (let nl = code.indexOf('\n', at); nl >= 0 && nl < end; nl = code.indexOf('\n', nl + 1)) lineBase++;
    pieceLines.to = Math.max(pieceLines.from, lineBase);
    if (!complete && !incomplete.length) incomplete.push(`lines ${pieceLines.from}-${pieceLines.to} hold too many calls: not all of them were read`);
    for (const eq of found) {
      if (eq.codeLine <= skipped) continue;
      if (calls.length >= MAX_FILE_CALLS) {
        incomplete.push(`more than ${MAX_FILE_CALLS} calls: those after line ${calls.at(-1)?.line ?? 1} were not read`);
        return { calls, incomplete };
      }
      calls.push({ text: eq.line, line: pieceLines.from - 1 + eq.codeLine - skipped });
    }
    at = end;
  }
  return { calls, incomplete };
}

/** The interpreter language of a program name (`python3.11`, `node20`), or null. */
export function interpLanguage(name: string): InterpLanguage | null {
  const c = name.charCodeAt(0);
  if (c !== 112 && c !== 110 && c !== 114) return null; // p, n, r: every name below starts with one
  if (/^python[0-9.]*$/.test(name)) return 'python';
  if (/^(?:node|nodejs)[0-9.]*$/.test(name)) return 'node';
  if (/^ruby[0-9.]*$/.test(name)) return 'ruby';
  if (/^perl[0-9.]*$/.test(name)) return 'perl';
  return null;
}
