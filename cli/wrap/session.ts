import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { loadConfig } from '../../daemon/config/load.js';
import { isDisabled } from '../../daemon/contract/signals.js';
import { detectProduction } from '../../daemon/engine/production/index.js';
import { resolvePaths } from '../../daemon/paths.js';
import { UserError } from '../errors.js';
import { CLIENTS, createAssembler } from './assemblers.js';
import { ConfirmPrompt } from './confirm.js';
import { EchoScreen } from './echo-screen.js';
import { signalEnv, WrapEvaluator } from './evaluator.js';
import { Gate } from './gate.js';
import { argsCarryInput, runBatch } from './batch.js';
import { runProxy } from './proxy.js';

// `prodguard wrap <client> [args...]`: outside production the client runs behind the pty proxy
// untouched (one production check at start, nothing per key); in production every Enter that
// would make the client act goes through the gate.

export async function runWrap(client: string, args: string[]): Promise<number> {
  const assembler = createAssembler(client, process.cwd());
  if (!assembler) {
    throw new UserError(`cannot guard "${client}": wrap supports ${[...new Set(Object.keys(CLIENTS))].join(', ')}`);
  }
  const paths = resolvePaths();
  const config = loadConfig(paths); // a bad config is a one-line ConfigError, exit 7
  const cwd = process.cwd();
  const production = detectProduction(process.env, config, { cwd });
  const disabled = isDisabled(process.env.PRODGUARD_DISABLE);
  const color = !process.env.NO_COLOR && process.stderr.isTTY === true;
  // Input not typed at a terminal (a pipe, a file, -c/-f, SQL as an argument): no pty at all (batch.ts).
  const batch = process.stdin.isTTY !== true || process.stdout.isTTY !== true || argsCarryInput(assembler.client, args);

  const unguarded = (): Promise<number> =>
    batch
      ? runBatch({ file: executable(client, cwd), client: assembler.client, args, cwd, dialect: assembler.dialect, evaluator: null })
      : spawnChecked(client, args, cwd, (chunk, pty) => pty.write(chunk));
  if (!production.active) return unguarded();
  const env = signalEnv(process.env, config);
  if (disabled) {
    // An off switch is never silent: said here, and recorded (and alerted) as `disabled`.
    const off = new WrapEvaluator({ paths, config, env, cwd, client, parentSession: process.env.PRODGUARD_SESSION ?? null, grant: null });
    await off.disabled();
    process.stderr.write(
      `prodguard: PRODGUARD_DISABLE is set: ${client} runs unguarded in ${production.env ?? 'production'} (recorded)${batch ? '\n' : '\r\n'}`,
    );
    return unguarded();
  }

  const evaluator = new WrapEvaluator({
    paths,
    config,
    env,
    cwd,
    client: assembler.client,
    parentSession: process.env.PRODGUARD_SESSION ?? null,
    grant: launchingLine(),
  });
  if (batch) {
    await evaluator.start();
    try {
      return await runBatch({ file: executable(client, cwd), client: assembler.client, args, cwd, dialect: assembler.dialect, evaluator });
    } finally {
      await evaluator.end();
    }
  }
  const screen = new EchoScreen(process.stdout.columns || 80);
  const prompt = new ConfirmPrompt({ write: (s) => process.stdout.write(s), color });
  let ptyRef: { write(s: string): void } | null = null;
  const gate = new Gate({
    send: (keys) => ptyRef?.write(keys),
    show: (text) => process.stdout.write(text),
    assembler,
    evaluator,
    screen,
    prompt,
    color,
    interactive: process.stdin.isTTY === true,
  });
  process.stderr.write(
    `prodguard: guarding ${assembler.client} in ${production.env ?? 'production'} (${production.signal}): statements are checked before they are sent\r\n`,
  );
  await evaluator.start();
  try {
    return await spawnChecked(
      client,
      args,
      cwd,
      (chunk, pty) => {
        ptyRef = pty;
        gate.input(chunk);
      },
      (chunk) => screen.output(chunk),
      (cols) => (screen.cols = cols),
      (pty) => (ptyRef = pty),
      () => gate.end(),
    );
  } finally {
    await evaluator.end();
  }
}

type Pty = { write(s: string): void };

async function spawnChecked(
  client: string,
  args: string[],
  cwd: string,
  onInput: (chunk: string, pty: Pty) => void,
  onOutput?: (chunk: string) => void,
  onResize?: (cols: number) => void,
  onSpawn?: (pty: Pty) => void,
  onEnd?: () => void,
): Promise<number> {
  const file = findExecutable(client, cwd);
  if (!file) throw new UserError(`cannot run "${client}": not found on PATH; install it or give its full path`);
  return runProxy({ file, args, cwd, env: process.env, onInput, onOutput, onResize, onSpawn, ...(onEnd ? { onEnd } : {}) });
}

/** The guarded shell line that launched this wrap (the hook's wrap functions set both). */
function launchingLine(): { session: string; cmd: number } | null {
  const session = process.env.PRODGUARD_SESSION ?? '';
  const cmd = Number(process.env.PRODGUARD_CMD ?? '');
  return /^[A-Za-z0-9._:@-]{1,128}$/.test(session) && Number.isSafeInteger(cmd) && cmd >= 0 ? { session, cmd } : null;
}

function executable(client: string, cwd: string): string {
  const file = findExecutable(client, cwd);
  if (!file) throw new UserError(`cannot run "${client}": not found on PATH; install it or give its full path`);
  return file;
}

/** PATH lookup done here: node-pty reports a failed exec only as an exit code. */
function findExecutable(name: string, cwd: string): string | null {
  const candidates = name.includes('/')
    ? [resolve(cwd, name)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
}
