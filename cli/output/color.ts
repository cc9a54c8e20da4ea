// Colour for terminal output. Off when NO_COLOR is set (https://no-color.org) or the stream is
// not a terminal; FORCE_COLOR=1 turns it on without a terminal (NO_COLOR still wins).

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export type Painter = (style: Style | readonly Style[] | null | undefined, text: string) => string;

export function painter(enabled: boolean): Painter {
  if (!enabled) return (_style, text) => text;
  return (style, text) => {
    if (!style || !text) return text;
    const styles = typeof style === 'string' ? [style] : style;
    return styles.reduceRight((t, s) => `\x1b[${CODES[s][0]}m${t}\x1b[${CODES[s][1]}m`, text);
  };
}

const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Columns the text takes on a terminal (code points; escapes excluded). */
export function visibleWidth(s: string): number {
  return [...stripAnsi(s)].length;
}
