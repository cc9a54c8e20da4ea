import type { LogFile } from '../server/log-file.js';
import { errText, type Logger } from './log.js';

// What to undo at stop, in reverse order of setting up: each step runs even when an earlier one
// failed (the failure is logged), and the whole list runs once.

export class Cleanups {
  private steps: Array<() => unknown> = [];

  constructor(
    private readonly log: Logger,
    private readonly logFile: LogFile,
  ) {}

  /** Undone after everything added before it. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Undone last, after everything (the signal handlers: a second SIGTERM while stopping is the same stop). */
  addUndoneLast(step: () => unknown): void {
    this.steps.unshift(step);
  }

  async run(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err: errText(err) }, 'cleanup step failed');
      }
    }
    this.logFile.flushSync();
    this.logFile.close();
  }
}
