// Which interpreter a program is, and where the code it runs comes from: `-c`/`-e`/`--eval`/`-r`
// strings, the awk program operand, or standard input (a here-doc, a here-string, `echo ... |`)
// when no script file is named. A named script file is not read here (its text is not on the line).

import { readOptions, type OptionSpec } from '../parse/options.js';

export type Language = 'python' | 'js' | 'ruby' | 'perl' | 'php' | 'awk';

/** `python3.11`, `pypy3`, `node20`, `nodejs`, `ruby3.2`, `perl5.36`, `php8.2`, `gawk`... */
const NAMES: [RegExp, Language][] = [
  [/^(?:python|pypy)(?:\d+(?:\.\d+)*)?$/, 'python'],
  [/^(?:node|nodejs)(?:\d+(?:\.\d+)*)?$|^bun$/, 'js'],
  [/^j?ruby(?:\d+(?:\.\d+)*)?$/, 'ruby'],
  [/^perl(?:\d+(?:\.\d+)*)?$/, 'perl'],
  [/^php(?:\d+(?:\.\d+)*)?(?:-cli)?$/, 'php'],
  [/^(?:awk|gawk|mawk|nawk|busybox-awk)$/, 'awk'],
];

export function languageOf(name: string): Language | null {
  const c = name.charCodeAt(0);
  // cheap first-letter test: this runs on every simple command
  if (c !== 112 && c !== 110 && c !== 114 && c !== 106 && c !== 98 && c !== 97 && c !== 103 && c !== 109) return null;
  for (const [re, lang] of NAMES) if (re.test(name)) return lang;
  return null;
}

interface CodeSpec {
  spec: OptionSpec;
  /** Options whose value is code. */
  code: readonly string[];
  /** Options after which standard input is not code (`-m module`, `-f file`). */
  noStdin: readonly string[];
}

const SPECS: Record<Language, CodeSpec> = {
  python: { spec: { short: 'cmWXQ', long: ['--check-hash-based-pycs'] }, code: ['-c'], noStdin: ['-m'] },
  js: {
    spec: {
      short: 'eprC',
      long: [
        '--eval',
        '--print',
        '--require',
        '--import',
        '--loader',
        '--experimental-loader',
        '--input-type',
        '--title',
        '--env-file',
        '--conditions',
      ],
    },
    code: ['-e', '--eval', '-p', '--print'],
    noStdin: [],
  },
  ruby: { spec: { short: 'erICEFx' }, code: ['-e'], noStdin: [] },
  perl: { spec: { short: 'eEIMmdx' }, code: ['-e', '-E'], noStdin: [] },
  php: { spec: { short: 'rdcfzBRFE' }, code: ['-r', '-B', '-R', '-E'], noStdin: ['-f'] },
  awk: {
    spec: { short: 'Fvfeil', long: ['--field-separator', '--assign', '--file', '--source', '--include', '--load'] },
    code: ['-e', '--source'],
    noStdin: [],
  },
};

/** How a piece of code reached the interpreter, for the `via` label. */
export interface CodeSource {
  code: string;
  how: string;
}

export function codeSources(lang: Language, argv: readonly string[], stdin: string | undefined): CodeSource[] {
  const { spec, code, noStdin } = SPECS[lang];
  const o = readOptions(argv, 1, spec);
  const out: CodeSource[] = [];
  for (const [name, value] of o.list) if (code.includes(name) && value) out.push({ code: value, how: name });
  if (lang === 'awk') {
    // the first operand is the program unless -f/--file/-e/--source gave it
    if (!out.length && !o.seen.has('-f') && !o.seen.has('--file') && o.next < argv.length) out.push({ code: argv[o.next]!, how: 'program' });
    return out;
  }
  if (out.length || stdin === undefined || noStdin.some((n) => o.seen.has(n))) return out;
  const operand = argv[o.next];
  if (operand === undefined || operand === '-') out.push({ code: stdin, how: 'stdin' });
  return out;
}
