import type { Command } from 'commander';
import { register as daemon } from './daemon.js';
import { register as log } from './log.js';
import { register as stats } from './stats.js';
import { register as verify } from './verify.js';
import { register as prune } from './prune.js';
import { register as wrap } from './wrap.js';
import { register as check } from './check.js';
import { register as explain } from './explain.js';
import { register as rules } from './rules.js';
import { register as config } from './config.js';
import { register as init } from './init.js';
import { register as alert } from './alert.js';
import { register as doctor } from './doctor.js';

// One line per command file. Each file exports `register(program)`.
export const COMMANDS: Array<(program: Command) => void> = [
  daemon,
  log, stats, verify, prune,
  wrap,
  check, explain, rules, config,
  init,
  alert, doctor,
];
