// The fallback for programs the catalog does not know: `virsh destroy web1`, `certbot delete`,
// `mytool users remove bob`. A CLI takes its action in its first or second positional word
// (`tool ACTION x`, `tool RESOURCE ACTION x`, or the third after two group words); when that word is a destructive verb, the line asks
// at the fallback rule's severity ("unknown tool, destructive-looking action"). It stays quiet for
// programs the catalog names (their rules decide), for programs whose arguments are data (echo,
// grep, man, which...), for help, read-only verbs and dry runs.

import type { SimpleCommand } from '../parse/types.js';
import type { CompiledRule } from '../rules/compile.js';

export const UNKNOWN_TOOL_RULE_ID = 'fallback.unknown-tool-action';

/** The destructive verbs, alone or as one part of a word joined by `-`, `_` or `:` (`delete-job`, `addons:destroy`). */
const ACTIONS = new Set([
  'delete',
  'destroy',
  'drop',
  'purge',
  'remove',
  'rm',
  'wipe',
  'erase',
  'truncate',
  'reset',
  'revoke',
  'unregister',
  'uninstall',
  'terminate',
  'kill',
  'disable',
  'cancel',
  'detach',
]);

/** Verbs that only read: `tool list deleted`, `tool get delete-policy`, `tool show remove-job`. */
const READS = new Set([
  'list',
  'ls',
  'get',
  'describe',
  'show',
  'status',
  'help',
  'info',
  'view',
  'inspect',
  'search',
  'find',
  'cat',
  'read',
  'print',
  'explain',
  'diff',
  'log',
  'logs',
  'history',
  'whoami',
  'version',
  'check',
  'validate',
  'lint',
  'test',
  'plan',
  'preview',
]);

/** Flags that make the line harmless: help, version, dry runs and previews. */
const HARMLESS_FLAGS =
  /^(?:-h|--help|-help|-\?|--usage|--version|-V|--dry-?run(?:=.*)?|--dryrun|-dry-run|--what-?if|--whatif|--noop|--no-op|--simulate|--preview|--plan|--check|--list|--describe)$/i;

/**
 * Programs whose words are data, not actions: shell builtins, text and file viewers, search tools,
 * help and lookup commands, editors, interpreters (their code is scanned by interp/), and the
 * wrappers the parser unwraps (left over only when they wrap nothing).
 */
const DATA_ARGUMENTS = new Set([
  // builtins and shell keywords that take words or names
  'echo',
  'printf',
  'print',
  'read',
  'test',
  '[',
  '[[',
  'alias',
  'unalias',
  'type',
  'which',
  'whence',
  'where',
  'hash',
  'help',
  'command',
  'builtin',
  'export',
  'declare',
  'typeset',
  'local',
  'readonly',
  'set',
  'unset',
  'shopt',
  'setopt',
  'unsetopt',
  'trap',
  'complete',
  'compdef',
  'compgen',
  'bindkey',
  'bind',
  'cd',
  'pushd',
  'popd',
  'dirs',
  'source',
  '.',
  'eval',
  'exec',
  'exit',
  'return',
  'shift',
  'getopts',
  'let',
  'jobs',
  'fg',
  'bg',
  'wait',
  'disown',
  'fc',
  'history',
  'true',
  'false',
  ':',
  'sleep',
  'umask',
  'ulimit',
  'time',
  'times',
  'zle',
  'autoload',
  'functions',
  'emulate',
  'noglob',
  'nocorrect',
  'caller',
  'enable',
  // lookup and help
  'man',
  'info',
  'apropos',
  'whatis',
  'whereis',
  'tldr',
  'cheat',
  'locate',
  'mlocate',
  'plocate',
  'updatedb',
  // text, search and viewers
  'cat',
  'tac',
  'less',
  'more',
  'most',
  'head',
  'tail',
  'grep',
  'egrep',
  'fgrep',
  'zgrep',
  'rg',
  'ag',
  'ack',
  'git-grep',
  'sed',
  'awk',
  'gawk',
  'mawk',
  'cut',
  'sort',
  'uniq',
  'wc',
  'tr',
  'fold',
  'fmt',
  'column',
  'paste',
  'join',
  'comm',
  'diff',
  'colordiff',
  'cmp',
  'patch',
  'jq',
  'yq',
  'xq',
  'gron',
  'tee',
  'nl',
  'od',
  'xxd',
  'hexdump',
  'strings',
  'file',
  'stat',
  'du',
  'df',
  'ls',
  'tree',
  'exa',
  'eza',
  'lsd',
  'bat',
  'batcat',
  'fzf',
  'sk',
  'fd',
  'fdfind',
  'find',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'pwd',
  'date',
  'cal',
  'seq',
  'yes',
  'base64',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'cksum',
  'iconv',
  'envsubst',
  'column',
  'tput',
  'stty',
  'setterm',
  'xset',
  'hdiutil',
  'expr',
  'bc',
  'dc',
  'figlet',
  'cowsay',
  'lolcat',
  'say',
  'espeak',
  'notify-send',
  'logger',
  'wall',
  'write',
  'mail',
  'mailx',
  // editors and pagers
  'vi',
  'vim',
  'nvim',
  'view',
  'nano',
  'pico',
  'emacs',
  'emacsclient',
  'ed',
  'code',
  'subl',
  'micro',
  'joe',
  'mcedit',
  'kak',
  'hx',
  // file creation and copies (their words are file names)
  'touch',
  'mkdir',
  'cp',
  'ln',
  'install',
  'mktemp',
  'chmod',
  'chown',
  'zip',
  'unzip',
  'gzip',
  'gunzip',
  'bzip2',
  'xz',
  'zstd',
  'tar',
  '7z',
  // interpreters and build tools running a script or target by name (code is scanned by interp/)
  'python',
  'python2',
  'python3',
  'node',
  'nodejs',
  'deno',
  'bun',
  'ruby',
  'perl',
  'php',
  'lua',
  'Rscript',
  'julia',
  'java',
  'go',
  'dotnet',
  // wrappers the parser unwraps: left over only when they wrap nothing
  'sudo',
  'doas',
  'env',
  'nohup',
  'nice',
  'ionice',
  'timeout',
  'stdbuf',
  'xargs',
  'watch',
  'strace',
  'ltrace',
  'chroot',
  'flock',
  'su',
  'runuser',
  'ssh',
  'busybox',
  'screen',
  'tmux',
  'parallel',
  'pkexec',
  'unbuffer',
  'setsid',
  'systemd-run',
  'at',
  'batch',
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'ash',
  'mksh',
  'fish',
  'csh',
  'tcsh',
  // compilers (`gcc -o remove remove.c`) and database clients (statement rules judge what they run)
  'gcc',
  'g++',
  'cc',
  'c++',
  'clang',
  'clang++',
  'rustc',
  'javac',
  'tsc',
  'esbuild',
  'psql',
  'mysql',
  'mariadb',
  'sqlite3',
  'sqlite',
  'duckdb',
  'clickhouse-client',
  'cqlsh',
  'sqlcmd',
  'redis-cli',
  'valkey-cli',
  'keydb-cli',
  'mongosh',
  'mongo',
  // network lookups whose words are names
  'ping',
  'ping6',
  'host',
  'dig',
  'nslookup',
  'whois',
  'traceroute',
  'mtr',
  'nc',
  'ncat',
  'telnet',
  'scp',
  'sftp',
]);

/** A word a CLI could take as its action: letters, digits and `-`, `_`, `:` (not a path, a file name or a value). */
const ACTION_WORD = /^[A-Za-z][A-Za-z0-9]*(?:[-_:][A-Za-z0-9]+)*$/;

function isAction(word: string): boolean {
  if (!ACTION_WORD.test(word)) return false;
  const lower = word.toLowerCase();
  if (ACTIONS.has(lower)) return true;
  if (lower.length > 40) return false;
  return lower.split(/[-_:]/).some((part) => ACTIONS.has(part));
}

/** Flags that never take a value, so the word after them is positional (`tool --force delete x`). */
const SWITCHES = new Set([
  '-f',
  '--force',
  '-y',
  '--yes',
  '--assume-yes',
  '-a',
  '--all',
  '-v',
  '--verbose',
  '-q',
  '--quiet',
  '-r',
  '-R',
  '--recursive',
  '--no-input',
  '--non-interactive',
  '--noninteractive',
  '--confirm',
  '--purge',
  '--json',
  '-j',
  '--debug',
  '-d',
  '--now',
  '--wait',
  '--sync',
  '--async',
]);

/**
 * The positional words of a command the fallback considers: a word right after a flag that may take
 * a value (`pytest -k delete`, `tool --region eu delete`) is that flag's value.
 */
function positionals(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.length > 1 && a[0] === '-') {
      const next = argv[i + 1];
      if (!a.includes('=') && !SWITCHES.has(a) && next !== undefined && next[0] !== '-') i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export interface UnknownToolHit {
  word: string;
  target: string | null;
  why: string[];
}

export type UnknownToolCheck = (cmd: SimpleCommand) => UnknownToolHit | null;

/** Builds the check from the rules in effect: any program a rule names is "known". */
export function createUnknownToolCheck(compiled: readonly CompiledRule[]): UnknownToolCheck {
  const known = new Set<string>();
  const prefixes: string[] = [];
  for (const c of compiled) {
    for (const n of c.names) known.add(n);
    prefixes.push(...c.globs);
  }
  return (cmd) => {
    const name = cmd.name;
    if (cmd.dynamicName || !name || known.has(name) || DATA_ARGUMENTS.has(name) || name.startsWith('(')) return null;
    if (prefixes.some((p) => name.startsWith(p))) return null;
    if (!/^[\w.+@-]+$/.test(name) || /^\d/.test(name)) return null;
    const argv = cmd.argv;
    if (argv.length < 2) return null;
    // cheap test first: most commands have no destructive verb anywhere
    let candidate = false;
    for (let i = 1; i < argv.length && i <= 8; i++) if (isAction(argv[i]!)) candidate = true;
    if (!candidate) return null;
    for (const a of argv)
      if (a === '--') break;
      else if (HARMLESS_FLAGS.test(a)) return null;
    const pos = positionals(argv);
    // `tool ACTION`, `tool RESOURCE ACTION`, and `tool GROUP RESOURCE ACTION` (`ceph osd pool delete`)
    // when the two words before it are plain lowercase words
    const third = pos[2] !== undefined && /^[a-z][a-z-]*$/.test(pos[0]!) && /^[a-z][a-z-]*$/.test(pos[1]!);
    const at = (third ? [0, 1, 2] : [0, 1]).find((i) => pos[i] !== undefined && isAction(pos[i]!));
    if (at === undefined) return null;
    if (pos.slice(0, 3).some((w) => READS.has(w.toLowerCase()))) return null;
    const word = pos[at]!;
    const rest = pos.slice(at + 1);
    return {
      word,
      target: rest.at(-1) ?? null,
      why: [
        `program ${name} is not in the catalog`,
        `${['first', 'second', 'third'][at]} word ${JSON.stringify(word)} is a destructive-looking action`,
      ],
    };
  };
}
