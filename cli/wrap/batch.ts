import type { Dialect } from '../../daemon/contract/enums.js';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { clientOf } from '../../daemon/engine/parse/clients.js';
import { readOptions } from '../../daemon/engine/parse/options.js';
import type { SimpleCommand } from '../../daemon/engine/parse/types.js';
import { DRY_RUN_HINT } from '../../daemon/engine/verdict/message.js';
import { EXIT } from '../../daemon/contract/exit-codes.js';
import type { Evaluation, WrapEvaluator } from './evaluator.js';

// wrap for scripts: when the client's input is not typed at a terminal (a pipe, a file, `-c`,
// `-f`, sqlite's trailing SQL), the client runs with no pty at all, its stdout and stderr the
// wrapper's own (the same bytes as the bare client, the same exit code). In production what it
// will receive is judged before it starts: the arguments as a shell line (the engine reads -f
// files and `.read` itself, engine/reach/) and standard input as statements. A confirm-level
// input needs one confirmation on /dev/tty for all of it, none when the daemon says the shell
// prompt already confirmed the line that launched this wrap (server/grants.ts), and is refused
// with one line when there is no terminal. Benign input passes untouched, with nothing printed.

/** Standard input judged before the client starts; the rest is passed on and the wrapper says so. */
export const MAX_JUDGED_STDIN = 16 << 20;

/** Whether the client's own arguments give it its input (`-c`, `-f`, `-e`, sqlite3 DB SQL, redis-cli CMD). */
export function argsCarryInput(client: string, args: readonly string[]): boolean {
  const cmd = { argv: [client, ...args], name: client, assignments: {}, via: [], dynamicName: false, source: '' } satisfies SimpleCommand;
  const found = clientOf(cmd);
  if (!found) return false;
  const [c, from] = found;
  const o = readOptions(cmd.argv, from, c.operandsAreCommand ? { ...c.spec, permute: false } : c.spec);
  if (o.list.some(([name]) => c.statementOptions.includes(name) || c.fileOptions?.includes(name))) return true;
  if (c.operandsAfterDb && o.operands.length > 1) return true;
  if (c.operandsAreCommand && o.next < cmd.argv.length) return true;
  return c.dialect === 'mongo' && o.operands.some((x) => x.endsWith('.js'));
}

/** All of standard input (it is not a terminal). */
function readAllStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.once('error', reject);
  });
}

const shq = (s: string): string => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface BatchOptions {
  file: string;
  client: string;
  args: string[];
  cwd: string;
  dialect: Dialect;
  /** null outside production: nothing is judged. */
  evaluator: WrapEvaluator | null;
}

export async function runBatch(o: BatchOptions): Promise<number> {
  // A terminal on stdin is left to the client when its arguments carry the input (`psql -c ...`);
  // otherwise (`psql > out`, typed at the terminal) what is typed up to Ctrl-D is the input, judged
  // as a whole like a pipe: no statement reaches the client unjudged.
  // Outside production (no evaluator) the client gets the wrapper's own stdin: nothing is held back.
  const stdin = o.evaluator === null || (process.stdin.isTTY === true && argsCarryInput(o.client, o.args)) ? null : await readAllStdin();
  if (o.evaluator) {
    const refused = await judge(o, stdin);
    if (refused !== null) return refused;
  }
  return runClient(o.file, o.args, o.cwd, stdin);
}

/** Judges the arguments and standard input; null to run the client, else the exit code of the refusal. */
async function judge(o: BatchOptions, stdin: Buffer | null): Promise<number | null> {
  const ev = o.evaluator!;
  const evals: Evaluation[] = [await ev.check({ kind: 'shell', dialect: o.dialect, text: [o.client, ...o.args].map(shq).join(' ') })];
  if (stdin && stdin.length) {
    const text = stdin.subarray(0, MAX_JUDGED_STDIN).toString('utf8');
    evals.push(await ev.check({ kind: 'statement', dialect: o.dialect, text }));
    if (stdin.length > MAX_JUDGED_STDIN)
      process.stderr.write(
        `prodguard: only the first ${MAX_JUDGED_STDIN >> 20} MB of standard input were checked; the rest goes to ${o.client} unchecked\n`,
      );
  }
  const blocked = evals.find((e) => e.verdict === 'block');
  if (blocked) {
    process.stderr.write(`${blocked.message || `prodguard: BLOCKED: ${o.client} was not started`}\nprodguard: ${o.client} was not started.\n`);
    return EXIT.BLOCK;
  }
  const confirms = evals.filter((e) => e.verdict === 'confirm' && !e.granted);
  // Covered by the confirmation typed at the shell prompt for this very line: recorded as such.
  for (const e of evals.filter((x) => x.verdict === 'confirm' && x.granted)) await ev.record(e, 'confirmed');
  if (confirms.length === 0) return null;

  const first = confirms[0]!;
  const tty = openTty();
  if (tty === null) {
    const m = first.detail?.matches[0];
    const what = m ? ` (${m.rule}: ${m.command.replace(/\s+/g, ' ').slice(0, 120)})` : '';
    process.stderr.write(
      `prodguard: refused${what}: this input needs confirmation in production and there is no terminal to confirm on: confirm the line at a guarded shell prompt, or run it from a terminal\n`,
    );
    for (const e of confirms) await ev.record(e, 'blocked');
    return EXIT.CONFIRM;
  }
  try {
    const phrase = first.phrase;
    const shown = confirms.map((e) => e.message.replace(`\n${DRY_RUN_HINT}`, '')).join('\n');
    // The same question as the interactive prompt's (confirm.ts), for all of the input at once.
    writeSync(tty, `${shown}\nprodguard> type "${phrase}" to send it, anything else cancels: `);
    const answer = readTtyLine(tty);
    const ok = answer === phrase;
    for (const e of confirms) await ev.record(e, ok ? 'confirmed' : 'cancelled');
    if (!ok) {
      writeSync(tty, `prodguard: cancelled; ${o.client} was not started.\n`);
      return EXIT.CONFIRM;
    }
    return null;
  } finally {
    closeSync(tty);
  }
}

function openTty(): number | null {
  try {
    return openSync('/dev/tty', 'r+');
  } catch {
    return null;
  }
}

/** One line typed on the terminal (canonical mode: the tty driver edits it), without its newline. */
function readTtyLine(fd: number): string | null {
  const buf = Buffer.alloc(1024);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return null;
    }
    if (n <= 0) return line || null;
    line += buf.toString('utf8', 0, n);
    const nl = line.indexOf('\n');
    if (nl >= 0) return line.slice(0, nl).replace(/\r$/, '');
    if (line.length > 4096) return line;
  }
}

/** The client with the wrapper's own stdout and stderr; stdin the wrapper's, or the buffered input. */
function runClient(file: string, args: string[], cwd: string, stdin: Buffer | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: process.env, stdio: [stdin === null ? 'inherit' : 'pipe', 'inherit', 'inherit'] });
    const forward = (sig: NodeJS.Signals) => (): void => void child.kill(sig);
    // SIGINT from the terminal reaches the client by itself (same process group): the wrapper only waits.
    const signals = [...(['SIGTERM', 'SIGHUP'] as NodeJS.Signals[]).map((s) => [s, forward(s)] as const), ['SIGINT', () => undefined] as const];
    for (const [s, h] of signals) process.on(s, h);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      for (const [s, h] of signals) process.off(s, h);
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
    if (stdin !== null && child.stdin) {
      // A client that exits without reading all of it (an error on line 1): EPIPE is not ours to report.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[sig] ?? 0;
}
