// Downloading code and running it at once: `curl URL | sh`, `wget -O- URL | sudo bash`,
// `bash <(curl URL)`, `eval "$(curl URL)"`, `sh -c "$(curl URL)"`, `python3 -c "$(curl URL)"`.
// The code is not on the line, so it cannot be judged; the line is recorded as one command
// `(downloaded code) URL RUNNER` that the catalog's downloads rules match, the URL as target.

import type { ParseContext, RawCommand } from '../parse/context.js';
import { programName } from '../parse/options.js';
import type { SimpleCommand } from '../parse/types.js';

/** The pseudo-program the downloads catalog names (like the engine's `(computed at run time)`). */
export const DOWNLOADED_CODE = '(downloaded code)';

const FETCHERS = new Set(['curl', 'wget', 'fetch', 'http', 'https', 'xh', 'xhs', 'lwp-request', 'GET', 'aria2c']);
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish', 'source', '.']);
/** A fetcher inside a substitution: `$(curl ...)`, `<(wget ...)`, `` `curl ...` ``. */
// (path segments cannot hold `/`, so a long word of `$($($(` cannot make this backtrack)
const FETCH_IN_SUBST = /(?:\$\(|<\(|`)\s*(?:sudo\s+(?:-[\w=-]*\s+)*)?(?:[\w.~-]*\/){0,12}(?:curl|wget|fetch|xh|http|https)\s[^)`]*/;
const URL_TEXT = /(?:https?|ftp):\/\/[^\s'"`)|;&]+/;
const WRAPPER_WORDS = new Set(['sudo', 'env', 'command', 'nice', 'nohup', 'time', 'timeout', 'doas']);

/** The URL a fetcher's words name: the first `scheme://` word, else the first host-looking operand. */
function urlOf(words: readonly string[]): string {
  for (const w of words) if (/^(?:https?|ftp):\/\//.test(w)) return w;
  for (const w of words) if (!w.startsWith('-') && /^[\w.-]+\.[a-z]{2,}(?::\d+)?\//i.test(w)) return w;
  return '';
}

/** The fetcher's words when `raw` (or a command piped into it, up to 3 back) runs curl/wget/...: `curl -fsSL URL`. */
function fetcherUpstream(raw: RawCommand | undefined): string[] | null {
  for (let r = raw, n = 0; r && n < 3; r = r.pipeFrom, n++) {
    const words = r.words.map((w) => w.value);
    let i = 0;
    while (i < words.length && (WRAPPER_WORDS.has(programName(words[i]!)) || words[i]!.startsWith('-') || /^\w+=/.test(words[i]!))) i++;
    if (i < words.length && FETCHERS.has(programName(words[i]!))) return words.slice(i);
  }
  return null;
}

/** True when the shell or interpreter `cmd` runs its standard input (no script operand, or `-s`/`-`). */
function readsStdin(cmd: SimpleCommand, interpreter: boolean): boolean {
  if (cmd.name === 'source' || cmd.name === '.') return cmd.argv[1] === '/dev/stdin' || cmd.argv[1] === '-';
  for (let i = 1; i < cmd.argv.length; i++) {
    const a = cmd.argv[i]!;
    if (a === '-' || a === '-s' || a === '--') return true;
    if (a === '-c' || (interpreter && (a === '-e' || a === '-m' || a === '-r' || a === '--eval'))) return false;
    if (!a.startsWith('-')) return false;
  }
  return true;
}

function record(ctx: ParseContext, cmd: SimpleCommand, url: string, runner: string): void {
  ctx.commands.push({
    argv: [DOWNLOADED_CODE, url, runner],
    name: DOWNLOADED_CODE,
    assignments: {},
    via: cmd.via,
    dynamicName: false,
    source: cmd.source,
  });
}

/**
 * Records a `(downloaded code)` command when `cmd` runs code fetched on the same line. `interpreter`
 * is true for python/node/ruby/perl/php; `pipeFrom` is the raw command piped into it.
 */
export function recordDownloadRun(ctx: ParseContext, cmd: SimpleCommand, pipeFrom: RawCommand | undefined, interpreter: boolean): void {
  // `$(curl URL)` as the command itself (what `eval "$(curl ...)"` and `sh -c "$(curl ...)"` run)
  if (cmd.dynamicName) {
    const m = FETCH_IN_SUBST.exec(cmd.argv[0] ?? '');
    if (m) record(ctx, cmd, URL_TEXT.exec(m[0])?.[0] ?? '', 'shell');
    return;
  }
  if (!interpreter && !SHELLS.has(cmd.name)) return;
  // `bash <(curl URL)`, `python3 -c "$(curl URL)"`, `source <(wget -O- URL)`
  for (const a of cmd.argv.slice(1)) {
    const m = FETCH_IN_SUBST.exec(a);
    if (m) {
      record(ctx, cmd, URL_TEXT.exec(m[0])?.[0] ?? '', cmd.name);
      return;
    }
  }
  const fetcher = pipeFrom && readsStdin(cmd, interpreter) ? fetcherUpstream(pipeFrom) : null;
  if (fetcher) record(ctx, cmd, urlOf(fetcher), cmd.name);
}
