// Bash brace expansion of literal words: `{rm,-rf,/x}` runs rm, a known way to hide a command name.

const MAX_BRACE_WORDS = 64;

/** Bash brace expansion of a literal word (`{rm,-rf,/x}`, `/srv/{a,b}`); capped, else the word. */
export function expandBraces(word: string): string[] {
  let out = [word];
  for (let round = 0; round < 8; round++) {
    const next: string[] = [];
    let changed = false;
    for (const w of out) {
      const alts = expandFirstBrace(w);
      if (alts) changed = true;
      next.push(...(alts ?? [w]));
      if (next.length > MAX_BRACE_WORDS) return [word];
    }
    out = next;
    if (!changed) break;
  }
  return out;
}

/**
 * Expands the leftmost `{a,b}` group of `w` that has a comma directly inside; null when there is
 * none. One pass with a stack (an earlier nested scan was quadratic on `{{{{...`).
 */
function expandFirstBrace(w: string): string[] | null {
  const stack: { open: number; commas: number[] }[] = [];
  let best: { open: number; close: number; commas: number[] } | null = null;
  for (let j = 0; j < w.length; j++) {
    const c = w[j];
    if (c === '{') stack.push({ open: j, commas: [] });
    else if (c === ',' && stack.length > 0) stack[stack.length - 1]!.commas.push(j);
    else if (c === '}' && stack.length > 0) {
      const g = stack.pop()!;
      if (g.commas.length > 0 && (!best || g.open < best.open)) best = { open: g.open, close: j, commas: g.commas };
    }
  }
  if (!best) return null;
  const pre = w.slice(0, best.open);
  const post = w.slice(best.close + 1);
  const bounds = [best.open, ...best.commas, best.close];
  const alts: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) alts.push(pre + w.slice(bounds[k]! + 1, bounds[k + 1]) + post);
  return alts;
}
