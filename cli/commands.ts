import type { Command } from 'commander';
import { register as daemon } from './daemon.js';

// One line per command file. Each file exports `register(program)`.
export const COMMANDS: Array<(program: Command) => void> = [
  daemon,
];
