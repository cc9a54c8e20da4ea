// Interpreter code -> the shell command lines it amounts to. Each recognised call is translated
// into the equivalent shell line (`shutil.rmtree(p)` -> `rm -rf $p`, `os.system("X")` -> `X`,
// `fs.rmSync(d, {recursive: true})` -> `rm -rf d`) so the catalog's shell rules judge it, targets
// and phrases included. Text that is only printed or assigned is never translated.

import { ExprReader, type Arg } from './expr.js';
import type { Language } from './languages.js';

/** One shell line the code would run, and the call it came from. */
export interface ShellEquivalent {
  line: string;
  /** The call as written (clipped), for explanations. */
  call: string;
  /** 1-based line of the code the call starts on (a script file's verdict names `file:line`). */
  codeLine: number;
}

/** What a recognised call does. */
type Action =
  | 'shell' // the argument is a shell line, or argv given as a list / several arguments
  | 'program' // (program, [args...]): spawn / execFile / execvp
  | 'rmtree' // rm -rf ARG
  | 'remove' // rm ARG...
  | 'rmdir' // rmdir ARG
  | 'rm-options' // fs.rm / fs.rmdir: rm -rf when the options say recursive, else rm -f / rmdir
  | 'truncate' // truncate -s 0 ARG
  | 'write' // cat - > ARG (a file opened for writing is replaced: the redirect rules judge the target)
  | 'open' // Python/PHP open(ARG, "w"...): a write when the mode is w
  | 'move' // mv A B
  | 'path-method'; // Path(ARG).unlink() / .rmdir() / .write_text()

interface Call {
  re: RegExp;
  action: Action | ((name: string) => Action);
  /** Arguments may follow without parentheses (`system "rm -rf x"`, `unlink $f`). */
  bare?: boolean;
}

/** Longest code scanned; the rest of a longer program is not read (problem reported by the caller). */
export const MAX_CODE = 65_536;
/** Most calls translated from one piece of code. */
const MAX_CALLS = 64;
/** Most call sites examined in one piece of code (each reads at most MAX_ARGS_TEXT characters). */
const MAX_ATTEMPTS = 256;

const PY: Call[] = [
  { re: /\b(?:os\.)?(?:system|popen)\s*\(/g, action: 'shell' },
  {
    re: /\b(?:subprocess|sp)\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\s*\(|(?<![.\w])(?:check_output|check_call|Popen|getoutput)\s*\(|\bcommands\.getoutput\s*\(/g,
    action: 'shell',
  },
  { re: /\bos\.exec[lv]p?e?\s*\(/g, action: 'program' },
  { re: /\b(?:shutil\.)?rmtree\s*\(/g, action: 'rmtree' },
  { re: /\bos\.(?:remove|unlink)\s*\(/g, action: 'remove' },
  { re: /\bos\.(?:rmdir|removedirs)\s*\(/g, action: 'rmdir' },
  { re: /\bos\.truncate\s*\(/g, action: 'truncate' },
  { re: /\b(?:shutil\.move|os\.rename|os\.replace)\s*\(/g, action: 'move' },
  { re: /(?<![.\w])(?:io\.)?open\s*\(/g, action: 'open' },
  { re: /\b(?:pathlib\.)?(?:Pure)?(?:Posix)?Path\s*\(/g, action: 'path-method' },
];

const JS_RECEIVER = String.raw`(?:\b(?:fs|fsp|fse|fsExtra|promises|fs\.promises)|require\(\s*['"](?:node:)?fs(?:\/promises|-extra)?['"]\s*\))\s*\.\s*`;
const CP_RECEIVER = String.raw`(?:(?:\b(?:child_process|childProcess|cp)|require\(\s*['"](?:node:)?child_process['"]\s*\))\s*\.\s*|(?<![.\w]))`;
const JS: Call[] = [
  { re: new RegExp(`${CP_RECEIVER}(?:execSync|exec)\\s*\\(`, 'g'), action: 'shell' },
  { re: new RegExp(`${CP_RECEIVER}(?:spawnSync|spawn|execFileSync|execFile)\\s*\\(`, 'g'), action: 'program' },
  { re: /\bBun\.spawn(?:Sync)?\s*\(/g, action: 'shell' },
  { re: new RegExp(`${JS_RECEIVER}(rmSync|rm|rmdirSync|rmdir)\\s*\\(`, 'g'), action: 'rm-options' },
  // destructured imports: `const { rmSync } = require('fs')`, `import { unlinkSync } from 'node:fs'`
  { re: /(?<![.\w])(?:rmSync|rmdirSync)\s*\(/g, action: 'rm-options' },
  { re: /(?<![.\w])unlinkSync\s*\(/g, action: 'remove' },
  { re: /(?<![.\w])(?:writeFileSync|truncateSync)\s*\(/g, action: 'write' },
  { re: new RegExp(`${JS_RECEIVER}(?:unlinkSync|unlink)\\s*\\(`, 'g'), action: 'remove' },
  { re: new RegExp(`${JS_RECEIVER}(?:removeSync|remove|emptyDirSync|emptyDir)\\s*\\(`, 'g'), action: 'rmtree' },
  { re: new RegExp(`${JS_RECEIVER}(?:truncateSync|truncate)\\s*\\(`, 'g'), action: 'truncate' },
  { re: new RegExp(`${JS_RECEIVER}(?:writeFileSync|writeFile)\\s*\\(`, 'g'), action: 'write' },
  { re: new RegExp(`${JS_RECEIVER}(?:renameSync|rename|moveSync|move)\\s*\\(`, 'g'), action: 'move' },
  { re: /\brimraf(?:\.sync|\.rimrafSync|Sync)?\s*\(|require\(\s*['"]rimraf['"]\s*\)(?:\.sync)?\s*\(/g, action: 'rmtree' },
  { re: /\bDeno\.remove(?:Sync)?\s*\(/g, action: 'rm-options' },
];

const RUBY: Call[] = [
  { re: /(?<![.\w])(?:Kernel\.)?(?:system|exec|spawn)\b\s*\(?/g, action: 'shell', bare: true },
  { re: /\b(?:IO\.popen|Open3\.(?:capture2e?|capture3|popen[23]e?|pipeline))\s*\(?/g, action: 'shell', bare: true },
  { re: /\bFileUtils\.(?:rm_rf|rm_r|remove_dir|remove_entry(?:_secure)?|rmtree)\b\s*\(?/g, action: 'rmtree', bare: true },
  { re: /\b(?:FileUtils\.(?:rm_f|rm|remove|safe_unlink)|File\.(?:delete|unlink))\b\s*\(?/g, action: 'remove', bare: true },
  { re: /\b(?:FileUtils\.rmdir|Dir\.(?:rmdir|delete|unlink))\b\s*\(?/g, action: 'rmdir', bare: true },
  { re: /\bFileUtils\.(?:mv|move)\b\s*\(?/g, action: 'move', bare: true },
  { re: /\bFile\.truncate\s*\(/g, action: 'truncate' },
  { re: /\bFile\.write\s*\(/g, action: 'write' },
];

const PERL: Call[] = [
  { re: /(?<![\w$@%>:-])(?:system|exec)\b\s*\(?/g, action: 'shell', bare: true },
  { re: /(?<![\w$@%>-])unlink\b\s*\(?/g, action: 'remove', bare: true },
  { re: /(?<![\w$@%>-])(?:(?:File::Path::)?(?:rmtree|remove_tree))\b\s*\(?/g, action: 'rmtree', bare: true },
  { re: /(?<![\w$@%>:-])rmdir\b\s*\(?/g, action: 'rmdir', bare: true },
  { re: /(?<![\w$@%>:-])(?:rename|move)\b\s*\(?/g, action: 'move', bare: true },
  { re: /(?<![\w$@%>:-])truncate\b\s*\(?/g, action: 'truncate', bare: true },
];

const PHP: Call[] = [
  { re: /(?<![\w$>:])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(/g, action: 'shell' },
  { re: /(?<![\w$>:])unlink\s*\(/g, action: 'remove' },
  { re: /(?<![\w$>:])rmdir\s*\(/g, action: 'rmdir' },
  { re: /(?<![\w$>:])rename\s*\(/g, action: 'move' },
  { re: /(?<![\w$>:])file_put_contents\s*\(/g, action: 'write' },
  { re: /(?<![\w$>:])fopen\s*\(/g, action: 'open' },
];

const AWK: Call[] = [{ re: /(?<![\w$])system\s*\(/g, action: 'shell' }];

const CALLS: Record<Language, Call[]> = { python: PY, js: JS, ruby: RUBY, perl: PERL, php: PHP, awk: AWK };

const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** A word for a shell line: literal text quoted as needed, run-time text as a double-quoted `"$x"`. */
function shellWord(text: string, literal: boolean): string {
  if (!literal) return `"${text.replace(/["\\`]/g, '\\$&')}"`;
  if (text !== '' && SAFE_WORD.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An argument as shell words; keyword arguments (`shell=True`) and perl's `glob` give none. */
function words(arg: Arg | undefined): string[] {
  if (!arg) return [];
  if (arg.kind === 'list') return arg.items.map((i) => shellWord(i.text, i.literal));
  if (arg.kind === 'str') return [shellWord(arg.text, arg.literal)];
  return arg.text === '' || /^\s*glob\s*$/.test(arg.raw) ? [] : [shellWord(arg.text, false)];
}

/** The shell line for a call, or null when its arguments say it does nothing destructive. */
function translate(action: Action, args: Arg[], raw: string, after: string): string | null {
  const first = args[0];
  if (!first) return null;
  switch (action) {
    case 'shell': {
      if (first.kind === 'str' && args.filter((a) => a.kind !== 'other').length === 1) return first.text; // one string: a shell line
      if (first.kind === 'list') return words(first).join(' ');
      if (first.kind !== 'str') return null; // os.system(cmd): the line is only known at run time
      return args.flatMap(words).join(' '); // perl/ruby system("rm", "-rf", $d)
    }
    case 'program': {
      const rest = args[1]?.kind === 'list' ? args[1] : undefined;
      if (first.kind === 'list') return words(first).join(' ');
      if (first.kind !== 'str') return null;
      if (!rest) return /shell\s*[:=]\s*(?:true|True)/.test(raw) ? first.text : shellWord(first.text, first.literal);
      // os.execvp("rm", ["rm", "-rf", d]) repeats the program as argv[0]
      const items = words(rest);
      const prog = shellWord(first.text, first.literal);
      return [prog, ...(items[0] === prog ? items.slice(1) : items)].join(' ');
    }
    case 'rmtree':
      return `rm -rf ${words(first).join(' ')}`;
    case 'remove':
      return `rm ${args.flatMap(words).join(' ')}`;
    case 'rmdir':
      return `rmdir ${words(first).join(' ')}`;
    case 'rm-options':
      return /recursive\s*[:=]>?\s*(?:true|True|1)/.test(raw) ? `rm -rf ${words(first).join(' ')}` : `rm -f ${words(first).join(' ')}`;
    case 'truncate':
      return `truncate -s 0 ${words(first).join(' ')}`;
    case 'write':
      return `cat - > ${words(first).join(' ')}`;
    case 'open': {
      const mode = args[1];
      const m = mode?.kind === 'str' ? mode.text : /mode\s*=\s*['"]([^'"]*)['"]/.exec(raw)?.[1];
      return m !== undefined && /^w/.test(m) ? `cat - > ${words(first).join(' ')}` : null;
    }
    case 'path-method': {
      const m = /^\s*\.\s*(unlink|rmdir|write_text|write_bytes)\s*\(/.exec(after);
      if (!m) return null;
      const path = words(first).join(' ');
      return m[1] === 'unlink' ? `rm ${path}` : m[1] === 'rmdir' ? `rmdir ${path}` : `cat - > ${path}`;
    }
    case 'move':
      return args.length >= 2 ? `mv ${words(first).join(' ')} ${words(args[1]).join(' ')}` : null;
  }
}

/** Backticks and `%x(...)`/`qx{...}`: the text is a shell line (Ruby, Perl, PHP). */
const BACKTICK: Partial<Record<Language, RegExp>> = {
  ruby: /`([^`]*)`|%x([({\[|!])/g,
  perl: /`([^`]*)`|(?<![\w$@%])qx\s*([({\[<|!\/#])/g,
  php: /`([^`]*)`/g,
};
const CLOSE: Record<string, string> = { '(': ')', '{': '}', '[': ']', '<': '>' };

/** awk `print ... | "cmd"` and `"cmd" | getline`: the quoted command runs in a shell. */
const AWK_PIPES = /\|\s*"((?:[^"\\]|\\.)*)"|"((?:[^"\\]|\\.)*)"\s*\|\s*getline/g;

const PY_ALIAS = /\bimport\s+(os|subprocess|shutil|pathlib)\s+as\s+([A-Za-z_]\w*)/g;

/** `import shutil as sh; sh.rmtree(x)` reads as `shutil.rmtree(x)`. */
function unaliasPython(code: string): string {
  let out = code;
  let n = 0;
  for (const m of code.matchAll(PY_ALIAS)) {
    if (++n > 8) break; // each alias is one pass over the code: a few are plenty
    if (m[2] !== m[1]) out = out.replace(new RegExp(`(?<![.\\w])${m[2]}\\.`, 'g'), `${m[1]}.`);
  }
  return out;
}

const clipCall = (s: string): string => (s.length > 120 ? `${s.slice(0, 117)}...` : s).replace(/\s+/g, ' ');

/**
 * The shell command lines that `code` (in `language`) would run: one per recognised call, in
 * order of appearance. For interpreter code on a command line (`python -c`, here-docs, pipes), and
 * for the text of a script file when a caller has read it.
 */
export function scanInterpreterCode(language: Language, code: string): ShellEquivalent[] {
  return scanInterpreterCodeBounded(language, code).found;
}

/** What scanInterpreterCodeBounded found, and whether it read all of the code (no limit reached). */
export interface CodeScan {
  found: ShellEquivalent[];
  complete: boolean;
}

/** scanInterpreterCode with its limits given (a script file's caller scans it in pieces) and said when reached. */
export function scanInterpreterCodeBounded(
  language: Language,
  code: string,
  limits: { calls: number; attempts: number } = { calls: MAX_CALLS, attempts: MAX_ATTEMPTS },
): CodeScan {
  let text = code.length > MAX_CODE ? code.slice(0, MAX_CODE) : code;
  if (language === 'python') text = unaliasPython(text);
  const found: { at: number; eq: Omit<ShellEquivalent, 'codeLine'> }[] = [];
  let attempts = 0;
  for (const call of CALLS[language]) {
    call.re.lastIndex = 0;
    for (let m = call.re.exec(text); m && found.length < limits.calls && attempts++ < limits.attempts; m = call.re.exec(text)) {
      if (m[0] === '') {
        call.re.lastIndex++;
        continue;
      }
      const paren = m[0].endsWith('(');
      if (!paren && !call.bare) continue;
      const reader = new ExprReader(text, language, m.index + m[0].length);
      const { args, end, raw } = reader.readArgs(!paren);
      const action = typeof call.action === 'function' ? call.action(m[0]) : call.action;
      const line = translate(action, args, raw, text.slice(end, end + 40));
      if (line && line.trim()) found.push({ at: m.index, eq: { line, call: clipCall(text.slice(m.index, end)) } });
    }
  }
  const bt = BACKTICK[language];
  if (bt) {
    bt.lastIndex = 0;
    for (let m = bt.exec(text); m && found.length < limits.calls; m = bt.exec(text)) {
      let body = m[1];
      if (body === undefined) {
        const open = m[2]!;
        const close = CLOSE[open] ?? open;
        const e = text.indexOf(close, bt.lastIndex);
        body = text.slice(bt.lastIndex, e < 0 ? text.length : e);
        bt.lastIndex = e < 0 ? text.length : e + 1;
      }
      if (body.trim()) found.push({ at: m.index, eq: { line: body, call: clipCall(m[0].startsWith('`') ? m[0] : `${m[0]}${body}`) } });
    }
  }
  if (language === 'awk') {
    AWK_PIPES.lastIndex = 0;
    for (let m = AWK_PIPES.exec(text); m && found.length < limits.calls; m = AWK_PIPES.exec(text)) {
      const cmd = (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1');
      if (cmd.trim()) found.push({ at: m.index, eq: { line: cmd, call: clipCall(m[0]) } });
    }
  }
  // Lines are counted in the scanned text: unaliasing rewrites names, never newlines.
  let line = 1;
  let counted = 0;
  const placed = found
    .sort((a, b) => a.at - b.at)
    .map((f) => {
      for (let nl = text.indexOf('\n', counted); nl >= 0 && nl < f.at; nl = text.indexOf('\n', nl + 1)) {
        line++;
        counted = nl + 1;
      }
      return { ...f.eq, codeLine: line };
    });
  return { found: placed, complete: code.length <= MAX_CODE && attempts <= limits.attempts && found.length < limits.calls };
}
