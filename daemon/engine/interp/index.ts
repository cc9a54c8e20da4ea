// Code run by interpreters (python/node/ruby/perl/php/awk) on a command line: each call that runs
// a shell line or deletes, truncates or overwrites files becomes the equivalent shell line, which
// the parser then reads as a command of its own, one level deeper (via `python3 -c`). The catalog's
// shell rules judge it, so `shutil.rmtree('/srv/data')` asks exactly as `rm -rf /srv/data` does.

import type { ParseContext, RawCommand } from '../parse/context.js';
import type { SimpleCommand } from '../parse/types.js';
import { recordDownloadRun } from './downloads.js';
import { codeSources, languageOf } from './languages.js';
import { MAX_CODE, scanInterpreterCode } from './scan.js';

export { scanInterpreterCode, scanInterpreterCodeBounded, type CodeScan, type ShellEquivalent } from './scan.js';
export { languageOf, type Language } from './languages.js';
export { DOWNLOADED_CODE } from './downloads.js';

/**
 * Called by the unwrapper for every simple command: parses the shell equivalents of the code an
 * interpreter runs, and records code downloaded and run on the same line (`curl URL | sh`).
 */
export function scanInterpreterCommand(ctx: ParseContext, cmd: SimpleCommand, raw: RawCommand, stdin: string | undefined, depth: number): void {
  const lang = cmd.dynamicName ? null : languageOf(cmd.name);
  recordDownloadRun(ctx, cmd, raw.pipeFrom, lang !== null && lang !== 'awk');
  if (!lang) return;
  for (const src of codeSources(lang, cmd.argv, stdin)) {
    if (src.code.length > MAX_CODE) ctx.problem(`${cmd.name} code longer than ${MAX_CODE} characters: the rest was not read`);
    if (!ctx.spend(Math.min(src.code.length, MAX_CODE))) return;
    for (const eq of scanInterpreterCode(lang, src.code)) {
      if (!ctx.canDescend(depth + 1) || !ctx.spend(eq.line.length)) return;
      ctx.reparse({ text: eq.line, via: [...cmd.via, `${cmd.name} ${src.how}`], depth: depth + 1, assignments: {} });
    }
  }
}
