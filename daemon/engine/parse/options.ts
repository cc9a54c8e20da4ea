// Skipping a program's options to find its operands, from a small per-program description.

export interface OptionSpec {
  /** Short option letters that take a value (attached `-uroot` or next word `-u root`). */
  short?: string;
  /** Long options that take a value as the next word when not written `--opt=value`. */
  long?: readonly string[];
  /** Short options whose value can only be attached (`mysql -pSECRET`, `xargs -i{}`). */
  attached?: string;
  /** Options spelled as one dash + several letters (`-cmd`, `-init`) that take a value. */
  single?: readonly string[];
  /** Keep reading options after operands (GNU getopt permutation); operands are collected. */
  permute?: boolean;
}

export interface Options {
  /** Index of the first operand (or argv.length). */
  next: number;
  /** Every option seen, by name (`-u`, `--user`), with its value ('' for flags). Later wins. */
  seen: Map<string, string>;
  /** The same, in order, repeats kept (`psql -c A -c B`). */
  list: [string, string][];
  /** Operands met before `next` (only with `permute`). */
  operands: string[];
}

/** Walks options from `i` until the first operand or after `--`. Never throws, never loops. */
export function readOptions(argv: readonly string[], i: number, spec: OptionSpec): Options {
  const seen = new Map<string, string>();
  const list: [string, string][] = [];
  const operands: string[] = [];
  const set = (k: string, v: string): void => {
    seen.set(k, v);
    list.push([k, v]);
  };
  const short = spec.short ?? '';
  const attached = spec.attached ?? '';
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      if (spec.permute) while (i < argv.length) operands.push(argv[i++]!);
      break;
    }
    if (a.length < 2 || a[0] !== '-') {
      if (!spec.permute) break;
      operands.push(a);
      i++;
      continue;
    }
    if (spec.single?.includes(a)) {
      set(a, argv[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        set(a.slice(0, eq), a.slice(eq + 1));
        i++;
      } else if (spec.long?.includes(a)) {
        set(a, argv[i + 1] ?? '');
        i += 2;
      } else {
        set(a, '');
        i++;
      }
      continue;
    }
    let consumed = 1;
    for (let k = 1; k < a.length; k++) {
      const ch = a[k]!;
      if (attached.includes(ch)) {
        set('-' + ch, a.slice(k + 1));
        break;
      }
      if (short.includes(ch)) {
        if (k + 1 < a.length) set('-' + ch, a.slice(k + 1));
        else {
          set('-' + ch, argv[i + 1] ?? '');
          consumed = 2;
        }
        break;
      }
      set('-' + ch, '');
    }
    i += consumed;
  }
  return { next: Math.min(i, argv.length), seen, list, operands };
}

/** Basename of a program path, as the matcher names commands (`/usr/bin/rm` -> `rm`). */
export function programName(word: string): string {
  const slash = word.lastIndexOf('/');
  const base = slash >= 0 && slash < word.length - 1 ? word.slice(slash + 1) : word;
  return base.startsWith('\\') ? base.slice(1) : base;
}
