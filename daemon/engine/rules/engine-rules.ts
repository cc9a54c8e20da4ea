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

/** Words and flags that make text look destructive when the engine cannot read it properly. */
export const DESTRUCTIVE_LOOKING =
  /(?:^|[\s;&|(){}`'"/$=])(?:rm|rmdir|unlink|shred|dd|mkfs(?:\.\w+)?|wipefs|fdisk|parted|truncate|drop|delete|destroy|purge|prune|flushall|flushdb|dropdatabase|kill|killall|pkill|reboot|shutdown|halt|poweroff|terminate|uninstall|format|wipe|reset|chmod|chown|mv|-rf|-fr|--force|--hard|-delete)(?=$|[\s;&|(){}`'"])/i;
