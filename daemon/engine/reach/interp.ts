import { scanInterpreterCode, type Language } from '../interp/index.js';
import { MAX_CODE } from '../interp/scan.js';
import type { RecipeLine } from './make.js';

// The content judge for interpreter files (`python x.py`, `node x.js`, a script whose shebang is
// ruby or perl): the catalog's interpreter-code scanner (daemon/engine/interp) turns each call
// that runs a shell line or removes, truncates or overwrites files into the shell line it amounts
// to (`shutil.rmtree(p)` -> `rm -rf p`), which reach then parses and judges like the script's own
// shell, at the call's `file:line`.

export type InterpLanguage = 'python' | 'node' | 'ruby' | 'perl';

const SCANNER_LANGUAGE: Record<InterpLanguage, Language> = { python: 'python', node: 'js', ruby: 'ruby', perl: 'perl' };

/** Most shell lines taken from one file (the scanner stops at 64 per piece of code). */
const MAX_FILE_CALLS = 256;

/** Python module aliases (`import shutil as sh`): repeated before each later piece of a long file. */
const PY_ALIAS_LINE = /^[ \t]*import[ \t]+(?:os|subprocess|shutil|pathlib)[ \t]+as[ \t]+\w+[ \t]*$/gm;

/** Shell text an interpreter file would run, with the line of the call it comes from. */
export function judgeInterpreterFile(language: InterpLanguage, code: string): RecipeLine[] {
  const lang = SCANNER_LANGUAGE[language];
  const out: RecipeLine[] = [];
  // The scanner reads at most MAX_CODE characters at a time: a longer file is read in pieces cut
  // at line ends, each after the file's module aliases (which then count as lines of the piece).
  const prelude = lang === 'python' && code.length > MAX_CODE ? (code.match(PY_ALIAS_LINE) ?? []).join('\n') : '';
  const preludeLines = prelude ? prelude.split('\n').length : 0;
  let lineBase = 0;
  for (let at = 0; at < code.length && out.length < MAX_FILE_CALLS; ) {
    const room = at === 0 || !prelude ? MAX_CODE : MAX_CODE - prelude.length - 1;
    let end = Math.min(code.length, at + room);
    if (end < code.length) {
      const nl = code.lastIndexOf('\n', end - 1);
      if (nl >= at) end = nl + 1;
    }
    const piece = code.slice(at, end);
    const withPrelude = at > 0 && prelude ? `${prelude}\n${piece}` : piece;
    const skipped = at > 0 && prelude ? preludeLines : 0;
    for (const eq of scanInterpreterCode(lang, withPrelude)) {
      if (eq.codeLine <= skipped) continue;
      out.push({ text: eq.line, line: lineBase + eq.codeLine - skipped });
      if (out.length >= MAX_FILE_CALLS) break;
    }
    for (let nl = code.indexOf('\n', at); nl >= 0 && nl < end; nl = code.indexOf('\n', nl + 1)) lineBase++;
    at = end;
  }
  return out;
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
