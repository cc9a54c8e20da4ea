import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import { ALLOW_CODE_RE, ALLOW_WINDOW_MS } from '../daemon/contract/agents.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { DaemonUnreachable, requestDaemon } from './daemon-client.js';
import { UserError } from './errors.js';

// `prodguard allow CODE`: a human, at a terminal, lets one command a coding agent was refused
// (confirm-level, in production) run once: the code is in the agent's deny reason; this shows the
// command and asks for its confirmation phrase as the shell prompt would. The daemon holds the
// codes; with the daemon down, the run dir's file (daemon/agents/grants-file.ts).

interface Shown {
  agent: string;
  session: string;
  command: string;
  cwd: string;
  rules: string[];
  phrase: string;
}

interface GrantStore {
  show(code: string): Promise<Shown | null>;
  /** null when approved, else why not. */
  approve(code: string, phrase: string, approver: string): Promise<string | null>;
}

function daemonStore(paths: Paths): GrantStore {
  const ask = (req: Record<string, unknown>) => requestDaemon(paths, { op: 'grant', ...req }, { timeoutMs: 5_000 });
  return {
    async show(code) {
      const r = await ask({ action: 'show', code });
      return r.ok === true ? (r as unknown as Shown) : null;
    },
    async approve(code, phrase, approver) {
      const r = await ask({ action: 'approve', code, phrase, approver });
      return r.ok === true ? null : String(r.error ?? 'refused');
    },
  };
}

async function fileStore(paths: Paths): Promise<GrantStore> {
  const { loadGrants, saveGrants } = await import('../daemon/agents/grants-file.js');
  return {
    async show(code) {
      const g = loadGrants(paths.runDir).find(code, Date.now());
      return g ? { agent: g.agent, session: g.session, command: g.redacted, cwd: g.cwd, rules: g.rules, phrase: g.phrase } : null;
    },
    async approve(code, phrase, approver) {
      const grants = loadGrants(paths.runDir);
      const r = grants.approve(code, phrase, approver, Date.now());
      saveGrants(paths.runDir, grants);
      return r.ok
        ? null
        : r.why === 'wrong-phrase'
          ? 'wrong phrase'
          : r.why === 'void'
            ? 'wrong phrase; the code is void now'
            : 'unknown or expired code';
    },
  };
}

/** The daemon's store, or the file's when the daemon is not running. */
async function grantStore(paths: Paths, code: string): Promise<{ store: GrantStore; shown: Shown | null }> {
  const store = daemonStore(paths);
  try {
    return { store, shown: await store.show(code) };
  } catch (err) {
    if (!(err instanceof DaemonUnreachable)) throw err;
    const file = await fileStore(paths);
    return { store: file, shown: await file.show(code) };
  }
}

function askLine(prompt: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    let answered = false;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      if (!answered) process.stdout.write('\n');
      resolve(answered ? answer : null);
    });
    let answer = '';
    rl.question(prompt, (a) => {
      answered = true;
      answer = a;
      rl.close();
    });
  });
}

export async function runAllow(code: string): Promise<void> {
  if (!ALLOW_CODE_RE.test(code)) throw new UserError(`"${code}" is not an allow code: it is the 6 digits in the agent's refusal`);
  // The allow-once is a human's act: an agent's tool call has no terminal.
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UserError('allow needs a terminal: run it yourself, in an interactive terminal (not from a script or an agent)');
  const paths = resolvePaths();
  const { store, shown } = await grantStore(paths, code);
  if (!shown)
    throw new UserError(
      `no pending command has code ${code} (codes expire after ${ALLOW_WINDOW_MS / 60_000} minutes): let the agent try again for a new one`,
    );
  process.stdout.write(
    [
      `${shown.agent} (session ${shown.session}) was refused, in ${shown.cwd || '(unknown directory)'}:`,
      `  ${shown.command}`,
      `  matched: ${shown.rules.join(', ') || '-'}`,
      '',
    ].join('\n'),
  );
  const typed = await askLine(`Type "${shown.phrase}" to allow it once (anything else leaves it denied): `);
  if (typed === null || typed !== shown.phrase) {
    // Wrong phrases count against the code in the store as well (it is void after a few).
    if (typed !== null) await store.approve(code, typed, userName());
    throw new UserError('not confirmed: the command stays denied', EXIT.CONFIRM);
  }
  const refused = await store.approve(code, typed, userName());
  if (refused !== null) throw new UserError(`${refused}: the command stays denied`, EXIT.CONFIRM);
  process.stdout.write(
    `allowed once: ${shown.agent}'s next try of exactly this command in that session, within ${ALLOW_WINDOW_MS / 60_000} minutes, runs (recorded as confirmed by ${userName()}).\n`,
  );
}

/** Who allowed it: the uid's user name (not $USER, which anyone can set). */
function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function register(program: Command): void {
  program
    .command('allow')
    .description('allow once a command a coding agent was refused: shows it and asks for its confirmation phrase (needs a terminal)')
    .argument('<code>', "the 6-digit code in the agent's refusal")
    .addHelpText(
      'after',
      `\nThe same command then runs once for that agent session, within ${ALLOW_WINDOW_MS / 60_000} minutes; it is recorded as confirmed, with your user name.\nExit status: 0 allowed, 2 bad code or no terminal, 3 not confirmed (wrong phrase).\n`,
    )
    .action((code: string) => runAllow(code));
}
