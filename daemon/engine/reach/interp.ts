import type { RecipeLine } from './make.js';

// The content judge for interpreter files (`python x.py`, `node x.js`, a script whose shebang is
// ruby or perl). PLACEHOLDER until the interpreter-code scanner (daemon/engine/interp,
// `scanInterpreterCode(language, code)`) is merged: this points at it then. Until then only the
// trivial cases: a literal string handed to a shell-running call is judged as shell text, and
// the common file-removal calls as the `rm` they are.

export type InterpLanguage = 'python' | 'node' | 'ruby' | 'perl';

const SHELL_CALL =
  /\b(?:os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen)|execSync|exec|spawnSync|system|`)\s*\(?\s*(?:\[([^\]]*)\]|(["'])((?:\\.|(?!\2).)*)\2)/g;
const REMOVE_CALL =
  /\b(shutil\.rmtree|os\.remove|os\.unlink|fs\.rmSync|fs\.rmdirSync|fs\.unlinkSync|FileUtils\.rm_rf|FileUtils\.rm_r|rmtree|unlink)\s*\(?\s*(["'])((?:\\.|(?!\2).)*)\2/g;

/** Shell text an interpreter file would run, line by line. */
export function judgeInterpreterFile(_language: InterpLanguage, code: string): RecipeLine[] {
  const out: RecipeLine[] = [];
  code.split('\n').forEach((src, i) => {
    for (const m of src.matchAll(SHELL_CALL)) {
      const text = m[1] !== undefined ? [...m[1].matchAll(/(["'])((?:\\.|(?!\1).)*)\1/g)].map((w) => w[2]!).join(' ') : m[3]!;
      if (text.trim()) out.push({ text, line: i + 1 });
    }
    for (const m of src.matchAll(REMOVE_CALL)) out.push({ text: `rm -rf -- ${JSON.stringify(m[3]!)}`, line: i + 1 });
  });
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
