import type { IPty } from 'node-pty';
import { writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PtyWriter } from './pty-writer.js';

// The pseudo-terminal proxy: the client runs on a pty of the same size as the user's terminal,
// which is put in raw mode so every key (Ctrl-C, Ctrl-D, arrows, tab) reaches the client's own
// line editor. Output goes straight to stdout; window resizes follow; the client's exit code (or
// 128+signal) comes back; the terminal is restored however the wrapper ends. Keys reach the pty
// through PtyWriter (a write(2) on the loop thread) rather than node-pty's thread-pool write.

/** Where keys for the client go. */
export interface PtyInput {
  write(data: string): void;
}

export interface ProxyOptions {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each chunk the user types; it decides what reaches the client. */
  onInput: (chunk: string, pty: PtyInput) => void;
  /** Piped stdin ended; default: an EOF key to the client. */
  onEnd?: ((pty: PtyInput) => void) | undefined;
  /** Called with each chunk of client output after it went to stdout. */
  onOutput?: ((chunk: string) => void) | undefined;
  onResize?: ((cols: number, rows: number) => void) | undefined;
  onSpawn?: ((pty: PtyInput) => void) | undefined;
}

export async function runProxy(o: ProxyOptions): Promise<number> {
  const { spawn } = await import('node-pty');
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = (): { cols: number; rows: number } => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });

  const pty = spawn(o.file, o.args, { name: o.env.TERM || 'xterm-256color', ...size(), cwd: o.cwd, env: o.env as Record<string, string> });

  // node-pty has the master fd and its read stream on Unix (not in its typings); without them
  // its own write is used.
  const { fd, _socket: socket } = pty as IPty & { fd?: unknown; _socket?: { destroyed?: unknown } };
  const writer: PtyInput & { close?(): void } =
    typeof fd === 'number' && typeof socket?.destroyed === 'boolean'
      ? new PtyWriter(fd, () => socket.destroyed === false)
      : { write: (d) => pty.write(d) };
  o.onSpawn?.(writer);
  // While the client starts, collect what loading the CLI left behind (see collectStartupGarbage).
  collectStartupGarbage();

  const raw = stdin.isTTY === true;
  const restore = (): void => {
    if (raw && stdin.isTTY) stdin.setRawMode(false);
  };
  if (raw) stdin.setRawMode(true);
  process.once('exit', restore);
  stdin.setEncoding('utf8');

  const onData = (chunk: string): void => o.onInput(chunk, writer);
  // Piped input ran out: the client gets an EOF (Ctrl-D at an empty line), as from a terminal.
  const onEnd = (): void => (o.onEnd ? o.onEnd(writer) : writer.write('\x04'));
  const onResize = (): void => {
    const { cols, rows } = size();
    pty.resize(cols, rows);
    o.onResize?.(cols, rows);
  };
  // The wrapper's own termination signals go to the client, which decides how to end.
  const forward = (sig: NodeJS.Signals) => (): void => {
    try {
      pty.kill(sig);
    } catch {
      // already gone
    }
  };
  const signals: Array<[NodeJS.Signals, () => void]> = (['SIGTERM', 'SIGHUP'] as NodeJS.Signals[]).map((s) => [s, forward(s)]);
  for (const [s, h] of signals) process.on(s, h);
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdout.on('resize', onResize);
  process.on('SIGWINCH', onResize);

  const writeOut = terminalWriter(stdout);
  const output = pty.onData((d) => {
    writeOut(d);
    o.onOutput?.(d);
  });

  const code = await new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
  });

  // node-pty can report the exit before the last output chunk: let it drain.
  await new Promise((r) => setTimeout(r, 20));
  output.dispose();
  writer.close?.();
  stdin.off('data', onData);
  stdin.off('end', onEnd);
  stdout.off('resize', onResize);
  process.off('SIGWINCH', onResize);
  for (const [s, h] of signals) process.off(s, h);
  restore();
  stdin.pause();
  return code;
}

/**
 * Loading the CLI (commander, zod, the engine) leaves ~10 MB of young objects. Left alone, V8
 * copies them in a scavenge a few hundred ms later and then runs a full mark-compact: 15-30 ms
 * pauses on the loop that relays the keys, landing in the user's first seconds of typing. One
 * full collection now, while the client is still starting and nobody waits for an echo, moves
 * that work out of the way. `gc` is reached the documented-flag way (--expose-gc, set at run
 * time, visible in a new context) so the launcher needs no node flags.
 */
export function collectStartupGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Not available: the collection just happens later, as it would anyway.
  }
}

/**
 * The client's output to the user's terminal. A terminal stdout is blocking and written in
 * order by the stream anyway; a direct write(2) on its fd skips the stream's per-chunk work
 * (~20 us per echoed key measured on a loaded 2-core VM). Whatever the stream still holds goes
 * first, and anything unusual (EAGAIN on a non-blocking terminal, an error) is left to the
 * stream, which queues it or reports it as before. Pipes and files keep the stream.
 */
export function terminalWriter(stdout: NodeJS.WriteStream): (data: string) => void {
  const fd = stdout.isTTY ? (stdout as { fd?: unknown }).fd : -1;
  if (typeof fd !== 'number' || fd < 0) return (data) => void stdout.write(data);
  return (data) => {
    if (stdout.writableLength > 0) return void stdout.write(data);
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off);
    } catch {
      stdout.write(buf.subarray(off));
    }
  };
}
