// Peeling wrappers off a simple command to reach the program that really runs:
// `sudo -u pg env X=1 nice -n 5 /bin/rm -rf x` -> `rm -rf x` via [sudo, env, nice].
// Wrappers that hand a string to a shell (`bash -c`, `eval`, `ssh host cmd`, `watch`, `su -c`)
// ask for that string to be parsed as a line of its own, one level deeper (ParseContext.reparse:
// the parser runs it right after this command; this module never calls the parser).

import { scanInterpreterCommand } from '../interp/index.js';
import { commandOutput, extractStatements } from './clients.js';
import { MAX_UNWRAP, type ParseContext, type RawCommand, type Scope, type Word } from './context.js';
import { programName, readOptions, type OptionSpec } from './options.js';
import type { SimpleCommand } from './types.js';

type Step =
  /** The wrapped command starts at argv[next]. */
  | { next: number; via: string; assignments?: Record<string, string> }
  /** The wrapped command is shell text to parse again; `stdin` hands our stdin to its first command. */
  | { reparse: string; via: string; stdin?: boolean; positional?: string[] }
  /** Not wrapping anything here (`command -v rm`, `ssh host` alone): this is the command. */
  | null;

interface Call {
  argv: string[];
  i: number;
  stdin: string | undefined;
}

type Wrapper = (c: Call) => Step;

const ENV_ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Reads `NAME=value` words from `i`; returns the index after them. */
function takeAssignments(argv: string[], i: number, into: Record<string, string>): number {
  while (i < argv.length && ENV_ASSIGN.test(argv[i]!)) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    into[a.slice(0, eq)] = a.slice(eq + 1);
    i++;
  }
  return i;
}

/** A wrapper that only has options before the command (`nohup`, `nice -n 5`, `stdbuf -oL`). */
function optionsThen(name: string, spec: OptionSpec, refuse: string[] = []): Wrapper {
  return ({ argv, i }) => {
    const o = readOptions(argv, i + 1, spec);
    if (refuse.some((r) => o.seen.has(r))) return null;
    return { next: o.next, via: name };
  };
}

/** Finds `-c STRING` / `--command STRING` anywhere after argv[i] (su, runuser, flock). */
function commandOption(argv: string[], i: number): string | undefined {
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '-c' || a === '--command' || a === '--session-command') return argv[j + 1];
    if (a.startsWith('--command=')) return a.slice('--command='.length);
  }
  return undefined;
}

const shellWrapper: Wrapper = ({ argv, i, stdin }) => {
  const name = programName(argv[i]!);
  const o = readOptions(argv, i + 1, { short: 'oO', long: ['--rcfile', '--init-file'] });
  if (o.seen.has('-c')) {
    const text = argv[o.next];
    // `sh -c 'rm -rf "$1"' _ /x`: the words after the string are $0, $1, ...
    return text === undefined ? null : { reparse: text, via: `${name} -c`, stdin: true, positional: argv.slice(o.next + 1) };
  }
  // `bash <<EOF ... EOF`, `echo cmd | sh`, `bash -s`: the shell runs its standard input.
  if (stdin !== undefined && (o.next >= argv.length || o.seen.has('-s'))) return { reparse: stdin, via: name };
  return null;
};

const SUDO: OptionSpec = {
  short: 'ughpCrtTUDR',
  long: ['--user', '--group', '--host', '--prompt', '--close-from', '--role', '--type', '--other-user', '--chdir', '--command-timeout', '--chroot'],
};

const WRAPPERS = new Map<string, Wrapper>([
  [
    'sudo',
    ({ argv, i, stdin }) => {
      const o = readOptions(argv, i + 1, SUDO);
      if (o.seen.has('-e') || o.seen.has('--edit') || o.seen.has('-l') || o.seen.has('--list')) return null;
      const assignments: Record<string, string> = {};
      const next = takeAssignments(argv, o.next, assignments);
      // `sudo -s <<< 'cmd'`, `sudo -i <<EOF`: the root shell runs standard input
      if (next >= argv.length && stdin !== undefined && (o.seen.has('-s') || o.seen.has('-i'))) return { reparse: stdin, via: 'sudo' };
      return { next, via: 'sudo', assignments };
    },
  ],
  ['doas', optionsThen('doas', { short: 'uC' })],
  [
    'env',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { short: 'uCS', long: ['--unset', '--chdir', '--split-string'] });
      const split = o.seen.get('-S') ?? o.seen.get('--split-string');
      const assignments: Record<string, string> = {};
      const next = takeAssignments(argv, o.next, assignments);
      if (split !== undefined) return { reparse: [split, ...argv.slice(next)].join(' '), via: 'env -S' };
      return { next, via: 'env', assignments };
    },
  ],
  ['command', optionsThen('command', {}, ['-v', '-V'])],
  ['builtin', ({ i }) => ({ next: i + 1, via: 'builtin' })],
  ['exec', optionsThen('exec', { short: 'a' })],
  ['nohup', optionsThen('nohup', {})],
  ['setsid', optionsThen('setsid', {})],
  ['time', optionsThen('time', { short: 'fo', long: ['--format', '--output'] })],
  ['nice', optionsThen('nice', { short: 'n', long: ['--adjustment'] })],
  ['ionice', optionsThen('ionice', { short: 'cnpPu', long: ['--class', '--classdata'] }, ['-p', '-P', '-u', '--pid', '--pgid', '--uid'])],
  [
    'timeout',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { short: 'sk', long: ['--signal', '--kill-after'] });
      return { next: o.next + 1, via: 'timeout' };
    },
  ],
  ['stdbuf', optionsThen('stdbuf', { short: 'ioe', long: ['--input', '--output', '--error'] })],
  [
    'xargs',
    optionsThen('xargs', {
      short: 'adEILnPs',
      attached: 'il',
      long: ['--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--process-slot-var', '--max-lines'],
    }),
  ],
  [
    'watch',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { short: 'nq', long: ['--interval', '--equexit'] });
      if (o.next >= argv.length) return null;
      if (o.seen.has('-x') || o.seen.has('--exec')) return { next: o.next, via: 'watch' };
      return { reparse: argv.slice(o.next).join(' '), via: 'watch' };
    },
  ],
  ['strace', optionsThen('strace', { short: 'abeEIoOpPsSuX' })],
  ['ltrace', optionsThen('ltrace', { short: 'aAeFlnopsuwx' })],
  [
    'chroot',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { long: ['--userspec', '--groups'] });
      return { next: o.next + 1, via: 'chroot' };
    },
  ],
  [
    'flock',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { short: 'wE', long: ['--timeout', '--conflict-exit-code'] });
      const text = commandOption(argv, o.next);
      if (text !== undefined) return { reparse: text, via: 'flock -c' };
      return { next: o.next + 1, via: 'flock' };
    },
  ],
  [
    'su',
    ({ argv, i, stdin }) => {
      const text = commandOption(argv, i);
      if (text !== undefined) return { reparse: text, via: 'su -c' };
      return stdin !== undefined ? { reparse: stdin, via: 'su' } : null; // `su - app <<EOF`
    },
  ],
  [
    'git',
    ({ argv, i }) => {
      // `git -c alias.x='!rm -rf /d' x`: an alias starting with `!` is a shell command
      const aliases = new Map<string, string>();
      let j = i + 1;
      for (; j < argv.length && argv[j]!.startsWith('-'); j++) {
        if (GIT_VALUE_OPTIONS.has(argv[j]!)) j++;
        if (argv[j] !== '-c') continue;
        const m = /^alias\.([^=]+)=!(.*)$/s.exec(argv[j + 1] ?? '');
        if (m) aliases.set(m[1]!, m[2]!);
        j++;
      }
      const sub = argv[j];
      const text = sub === undefined ? undefined : aliases.get(sub);
      return text === undefined ? null : { reparse: [text, ...argv.slice(j + 1)].join(' '), via: `git alias ${sub}` };
    },
  ],
  [
    'runuser',
    ({ argv, i }) => {
      const text = commandOption(argv, i);
      if (text !== undefined) return { reparse: text, via: 'runuser -c' };
      const o = readOptions(argv, i + 1, { short: 'ugGsw', long: ['--user', '--group', '--supp-group', '--shell', '--whitelist-environment'] });
      return o.seen.has('-u') || o.seen.has('--user') ? { next: o.next, via: 'runuser' } : null;
    },
  ],
  ['busybox', ({ i }) => ({ next: i + 1, via: 'busybox' })],
  ['eval', ({ argv, i }) => (i + 1 < argv.length ? { reparse: argv.slice(i + 1).join(' '), via: 'eval', stdin: true } : null)],
  [
    'ssh',
    ({ argv, i, stdin }) => {
      const o = readOptions(argv, i + 1, { short: 'bcDEeFIiJLlmOopQRSWwB' });
      const host = argv[o.next];
      if (host === undefined) return null;
      const via = `ssh ${host}`;
      if (o.next + 1 < argv.length) return { reparse: argv.slice(o.next + 1).join(' '), via, stdin: true };
      // `ssh host <<EOF ... EOF`: the remote login shell runs standard input.
      return stdin !== undefined ? { reparse: stdin, via } : null;
    },
  ],
  ['noglob', ({ i }) => ({ next: i + 1, via: 'noglob' })],
  ['nocorrect', ({ i }) => ({ next: i + 1, via: 'nocorrect' })],
  ['unbuffer', optionsThen('unbuffer', {})],
  ['pkexec', optionsThen('pkexec', { long: ['--user'] })],
  [
    'systemd-run',
    optionsThen('systemd-run', {
      short: 'upEMH',
      long: [
        '--unit',
        '--property',
        '--description',
        '--slice',
        '--setenv',
        '--uid',
        '--gid',
        '--machine',
        '--host',
        '--working-directory',
        '--nice',
        '--on-active',
        '--on-boot',
        '--on-startup',
        '--on-unit-active',
        '--on-unit-inactive',
        '--on-calendar',
        '--timer-property',
        '--path-property',
        '--socket-property',
        '--service-type',
      ],
    }),
  ],
  [
    'screen',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, { short: 'SchpT', single: ['-Logfile'] });
      if (o.seen.has('-X') || o.seen.has('-r') || o.seen.has('-x') || o.seen.has('-ls') || o.seen.has('-l')) return null;
      return { next: o.next, via: 'screen' };
    },
  ],
  [
    'tmux',
    ({ argv, i }) => {
      // tmux [-L sock] new-session|new-window|split-window [opts] [shell-command ...]
      const g = readOptions(argv, i + 1, { short: 'LSf' });
      const sub = argv[g.next];
      if (!sub || !TMUX_RUNS.has(sub)) return null;
      const o = readOptions(argv, g.next + 1, { short: 'cefFlnpstxyB' });
      return o.next < argv.length ? { reparse: argv.slice(o.next).join(' '), via: `tmux ${sub}` } : null;
    },
  ],
  [
    'parallel',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, {
        short: 'jNaIdESX',
        long: [
          '--jobs',
          '--max-args',
          '--arg-file',
          '--delimiter',
          '--eof',
          '--results',
          '--joblog',
          '--sshlogin',
          '--workdir',
          '--timeout',
          '--retries',
          '--colsep',
          '--tagstring',
          '--env',
        ],
      });
      let end = o.next;
      while (end < argv.length && !argv[end]!.startsWith(':::') && argv[end] !== '::::') end++;
      // parallel runs the command once per argument after `:::`; show them all as its targets
      const args = argv.slice(end + 1).filter((a) => !a.startsWith(':::'));
      return end > o.next ? { reparse: [...argv.slice(o.next, end), ...args].join(' '), via: 'parallel' } : null;
    },
  ],
  [
    'ansible',
    ({ argv, i }) => {
      const o = readOptions(argv, i + 1, {
        short: 'amiuebfBPtMkKlsTCD',
        long: [
          '--args',
          '--module-name',
          '--inventory',
          '--user',
          '--extra-vars',
          '--become-user',
          '--forks',
          '--limit',
          '--timeout',
          '--private-key',
        ],
        permute: true,
      });
      const args = o.seen.get('-a') ?? o.seen.get('--args');
      const mod = (o.seen.get('-m') ?? o.seen.get('--module-name') ?? 'command').replace(/^ansible\.builtin\./, '');
      if (args === undefined || !['command', 'shell', 'raw'].includes(mod)) return null;
      return { reparse: args, via: `ansible -m ${mod}` };
    },
  ],
  ['at', stdinShell('at')],
  ['batch', stdinShell('batch')],
  ['kubectl', kubeExec('kubectl')],
  ['oc', kubeExec('oc')],
  ['docker', containerExec('docker')],
  ['podman', containerExec('podman')],
  ['nerdctl', containerExec('nerdctl')],
  ['docker-compose', containerExec('docker-compose')],
]);
for (const sh of ['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish']) WRAPPERS.set(sh, shellWrapper);

const GIT_VALUE_OPTIONS = new Set(['-C', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']);
const TMUX_RUNS = new Set([
  'new-session',
  'new',
  'new-window',
  'neww',
  'split-window',
  'splitw',
  'respawn-pane',
  'respawnp',
  'respawn-window',
  'respawnw',
]);

/** `at now <<< "cmd"`, `echo cmd | batch`: programs that run their standard input as shell text. */
function stdinShell(name: string): Wrapper {
  return ({ stdin }) => (stdin !== undefined ? { reparse: stdin, via: name } : null);
}

/** `kubectl [global opts] exec [opts] POD -- cmd ...`. */
function kubeExec(tool: string): Wrapper {
  return ({ argv, i }) => {
    const j = argv.indexOf('exec', i + 1);
    if (j < 0) return null;
    const dd = argv.indexOf('--', j + 1);
    if (dd < 0 || dd + 1 >= argv.length) return null;
    const o = readOptions(argv.slice(0, dd), j + 1, {
      short: 'cnf',
      long: ['--container', '--namespace', '--filename', '--pod-running-timeout', '--context', '--kubeconfig'],
    });
    const pod = argv[o.next] !== undefined && o.next < dd ? ` ${argv[o.next]}` : '';
    return { next: dd + 1, via: `${tool} exec${pod}` };
  };
}

/** `docker exec [opts] CONTAINER cmd ...` and `docker compose exec [opts] SERVICE cmd ...`. */
function containerExec(tool: string): Wrapper {
  return ({ argv, i }) => {
    let j = i + 1;
    if (argv[j] === 'compose') j++;
    if (tool === 'docker-compose' || argv[i + 1] === 'compose') {
      // compose takes global options (`-f file`) before the subcommand
      while (j < argv.length && argv[j] !== 'exec' && argv[j]!.startsWith('-'))
        j += argv[j] === '-f' || argv[j] === '-p' || argv[j] === '--file' || argv[j] === '--project-name' ? 2 : 1;
    }
    if (argv[j] !== 'exec') return null;
    const o = readOptions(argv, j + 1, {
      short: 'euw',
      long: ['--env', '--user', '--workdir', '--env-file', '--detach-keys', '--index'],
    });
    const target = argv[o.next];
    if (target === undefined || o.next + 1 >= argv.length) return null;
    return { next: o.next + 1, via: `${tool} exec ${target}` };
  };
}

/** Resolves one raw command: unwraps it and records the SimpleCommand(s) and statements it yields. */
export function resolveCommand(ctx: ParseContext, raw: RawCommand, scope: Scope, depth: number): void {
  if (scope.positional) raw.words = withPositional(raw.words, scope.positional);
  const argv = raw.words.map((w) => w.value);
  const stdin = raw.stdin ?? raw.pipeFrom?.out;
  const assignments = { ...scope.assignments, ...raw.assignments };
  const final = walk(ctx, raw, raw.words, argv, scope.via, assignments, stdin, depth);
  if (final) raw.out = commandOutput(final.argv, final.name, stdin);
}

function walk(
  ctx: ParseContext,
  raw: RawCommand,
  words: Word[],
  argv: string[],
  outerVia: string[],
  assignments: Record<string, string>,
  stdin: string | undefined,
  depth: number,
): SimpleCommand | undefined {
  const via = [...outerVia];
  let i = 0;
  let substituted = 0;
  for (let peeled = 0; i < argv.length; peeled++) {
    const w = words[i]!;
    if (!w.literal) {
      // `RM=rm; $RM -rf x`: a name set literally earlier on the line is known
      const known = substituted < 4 ? ctx.constant(w) : null;
      if (!known) break;
      substituted++;
      words = [...words.slice(0, i), ...known, ...words.slice(i + 1)];
      argv = [...argv.slice(0, i), ...known.map((k) => k.value), ...argv.slice(i + 1)];
      continue;
    }
    const wrap = WRAPPERS.get(programName(w.value));
    if (!wrap) break;
    if (peeled >= MAX_UNWRAP) {
      ctx.problem(`more than ${MAX_UNWRAP} wrappers on one command: stopped unwrapping`);
      break;
    }
    const step = wrap({ argv, i, stdin });
    if (!step) break;
    if ('reparse' in step) {
      if (!ctx.canDescend(depth + 1) || !ctx.spend(step.reparse.length)) break;
      ctx.reparse({
        text: step.reparse,
        via: [...via, step.via],
        depth: depth + 1,
        assignments,
        ...(step.stdin && stdin !== undefined ? { stdin } : {}),
        ...(step.positional ? { positional: step.positional } : {}),
      });
      return undefined;
    }
    if (step.next >= argv.length) break; // `sudo -i`, `env`, `xargs` alone: the wrapper is the command
    via.push(step.via);
    if (step.assignments) Object.assign(assignments, step.assignments);
    i = step.next;
  }
  if (ctx.full) return undefined;
  const head = words[i]!;
  const cmd: SimpleCommand = {
    argv: i === 0 ? argv : argv.slice(i),
    name: programName(head.value),
    assignments,
    via,
    // a lone `[` is the test builtin, not a glob (`[ -x /usr/bin/rm ] && ...`)
    dynamicName: !head.literal || (head.glob && head.value !== '['),
    source: raw.src.slice(raw.start, raw.end),
  };
  if (raw.redirects.length > 0) cmd.redirects = raw.redirects;
  if (raw.pipeFrom?.words.length && raw.pipeFrom.words.every((w) => w.literal)) cmd.pipedFrom = raw.pipeFrom.words.map((w) => w.value);
  const index = ctx.commands.push(cmd) - 1;
  if (DECLARES.has(cmd.name)) declare(ctx, words.slice(i + 1));
  if (cmd.name === 'find') findExec(ctx, raw, words.slice(i), cmd, depth);
  extractStatements(ctx, cmd, index, stdin);
  scanInterpreterCommand(ctx, cmd, raw, stdin, depth);
  return cmd;
}

const POSITIONAL = /^\$(?:\{([0-9]+|[@*])\}|([0-9@*]))$/;

/** Replaces `$1`, `"${2}"`, `"$@"` by the arguments given to `sh -c STRING $0 $1 ...`. */
function withPositional(words: Word[], positional: string[]): Word[] {
  const out: Word[] = [];
  for (const w of words) {
    const m = w.literal ? null : POSITIONAL.exec(w.value);
    const key = m ? (m[1] ?? m[2])! : '';
    if (key === '@' || key === '*') for (const value of positional.slice(1)) out.push({ ...w, value, literal: true });
    else if (m && positional[Number(key)] !== undefined) out.push({ ...w, value: positional[Number(key)]!, literal: true });
    else out.push(w);
  }
  return out;
}

const DECLARES = new Set(['export', 'declare', 'typeset', 'local', 'readonly']);

/** `export RM=rm`: the assignments in a declaration builtin's arguments. */
function declare(ctx: ParseContext, args: Word[]): void {
  for (const w of args) {
    const eq = w.value.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(w.value.slice(0, eq))) continue;
    const name = w.value.slice(0, eq);
    ctx.assign({ [name]: w.value.slice(eq + 1) }, w.literal ? [] : [name]);
  }
}

/** `find ... -exec CMD {} ;` (and -execdir, -ok, -okdir): each CMD is a command of its own. */
function findExec(ctx: ParseContext, raw: RawCommand, words: Word[], find: SimpleCommand, depth: number): void {
  if (!ctx.canDescend(depth + 1)) return;
  const argv = find.argv;
  for (let j = 1; j < argv.length; j++) {
    const flag = argv[j]!;
    if (flag !== '-exec' && flag !== '-execdir' && flag !== '-ok' && flag !== '-okdir') continue;
    let k = j + 1;
    while (k < argv.length && argv[k] !== ';' && !(argv[k] === '+' && argv[k - 1] === '{}')) k++;
    if (k > j + 1 && ctx.spend(k - j)) {
      walk(ctx, raw, words.slice(j + 1, k), argv.slice(j + 1, k), [...find.via, `find ${flag}`], { ...find.assignments }, undefined, depth + 1);
    }
    j = k;
  }
}
