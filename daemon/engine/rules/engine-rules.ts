import type { Rule } from './schema.js';

// Rules the engine applies itself, outside the catalog: a line it cannot fully read must not pass
// silently when it looks destructive (fail closed to a confirmation). Listed with the catalog so
// `prodguard rules show` explains them and config can disable them.

export const DYNAMIC_COMMAND: Rule = {
  id: 'engine.dynamic-command',
  domain: 'engine',
  severity: 'high',
  reason: 'the program name is computed at run time ($VAR, $(...)) and its arguments look destructive',
  match: { command: ['(computed at run time)'] },
  alternative: 'write the program name literally so prodguard can check it',
  action: 'confirm',
};

export const UNPARSABLE: Rule = {
  id: 'engine.unparsable',
  domain: 'engine',
  severity: 'high',
  reason: 'the line could not be fully parsed and contains destructive-looking words',
  match: { command: ['(unparsable line)'] },
  alternative: 'fix the quoting or nesting so the line parses, or split it into simpler commands',
  action: 'confirm',
};

export const FORK_BOMB: Rule = {
  id: 'engine.fork-bomb',
  domain: 'engine',
  severity: 'critical',
  reason: 'a fork bomb: a function that calls itself in the background (`:(){ :|:& };:`) fills the process table and hangs the machine',
  match: { command: ['(function calling itself in the background)'] },
  alternative: 'none on a production machine; test process limits (ulimit -u) in a throw-away VM',
  action: 'block',
};

export const ENGINE_RULES: readonly Rule[] = [DYNAMIC_COMMAND, UNPARSABLE, FORK_BOMB];

/**
 * EXCEPTION to "rules match parsed commands": the parser does not expose function definitions
 * (it parses a body's commands as ordinary commands), so a fork bomb is recognised in the raw
 * text: `NAME() { ... NAME | NAME & ... }` (or `function NAME`, a `( ... )` body, `NAME & NAME`).
 * The evaluator also requires the parser to have seen NAME run as a command, so the same text
 * inside quotes (`echo ':(){ :|:& };:'`) is data, not a bomb. Group 1 is the function name.
 */
export const FORK_BOMB_TEXT =
  /(?:^|[\s;&|(){}])(?:function\s+)?([^\s;&|(){}<>'"`$=\\]+)\s*(?:\(\s*\)\s*)?[{(][^{}()]*?(?:^|[\s;&|{(])\1\s*(?:\|\s*\1\s*&(?!&)|&(?!&)\s*\1(?=$|[\s;&|)}]))/;

/**
 * Words and flags that make text look destructive when it cannot be read properly. One list for
 * the engine's fail-closed checks (a computed program name, a line that does not parse:
 * DESTRUCTIVE_LOOKING) and for the hooks' last resort while neither the daemon nor node can run
 * (`prodguard init` generates __pg_local_re from it: cli/hook-constants.ts). Lowercase letters,
 * digits and `-` only, so the same text is a literal in a JS regex and in a POSIX ERE; both match
 * it case-insensitively as a whole word.
 */
export const DESTRUCTIVE_WORDS = [
  // files and disks
  'rm',
  'rmdir',
  'unlink',
  'shred',
  'dd',
  'mkfs',
  'wipefs',
  'fdisk',
  'parted',
  'truncate',
  'format',
  'wipe',
  'erase',
  'remove',
  'mv',
  'chmod',
  'chown',
  'rmtree',
  'rmdirs',
  'removedirs',
  // databases
  'drop',
  'dropdb',
  'dropdatabase',
  'delete',
  'deletemany',
  'deleteone',
  'flushall',
  'flushdb',
  // services, clusters, machines
  'destroy',
  'purge',
  'prune',
  'uninstall',
  'terminate',
  'drain',
  'scale',
  'rollback',
  'push',
  'reset',
  'kill',
  'killall',
  'pkill',
  'reboot',
  'shutdown',
  'halt',
  'poweroff',
  'crontab',
  'iptables',
  // flags
  '-rf',
  '-fr',
  '--force',
  '--hard',
  '-delete',
] as const;

/** DESTRUCTIVE_WORDS as a whole word in text; `mkfs` also with its filesystem (`mkfs.ext4`). */
export const DESTRUCTIVE_LOOKING = new RegExp(
  `(?:^|[\\s;&|(){}\`'"/$=])(?:${DESTRUCTIVE_WORDS.join('|')})(?:(?<=mkfs)\\.\\w+)?(?=$|[\\s;&|(){}\`'"])`,
  'i',
);
