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

export const ENGINE_RULES: readonly Rule[] = [DYNAMIC_COMMAND, UNPARSABLE];

/** Words and flags that make text look destructive when the engine cannot read it properly. */
export const DESTRUCTIVE_LOOKING =
  /(?:^|[\s;&|(){}`'"/$=])(?:rm|rmdir|unlink|shred|dd|mkfs(?:\.\w+)?|wipefs|fdisk|parted|truncate|drop|delete|destroy|purge|prune|flushall|flushdb|dropdatabase|kill|killall|pkill|reboot|shutdown|halt|poweroff|terminate|uninstall|format|wipe|reset|chmod|chown|mv|-rf|-fr|--force|--hard|-delete)(?=$|[\s;&|(){}`'"])/i;
