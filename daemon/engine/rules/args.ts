import type { SimpleCommand } from '../parse/types.js';

// A view of one command's arguments that rules test against: which flags are present (with
// bundles and `--x=value` unpacked), the positional words, and flag values. Built lazily, once per
// simple command, only when some rule's prefilter keyword names the command.

/**
 * Flags that take a value, per program, so that `kubectl -n prod delete pod x` has positionals
 * `delete pod x` and `git -C dir push` has `push`. Approximate by design: a flag missing here only
 * makes its value look like a positional word.
 */
const VALUE_FLAGS: Record<string, readonly string[]> = {
  git: [
    '-C',
    '-c',
    '--git-dir',
    '--work-tree',
    '--namespace',
    '-m',
    '-F',
    '--message',
    '--file',
    '-o',
    '--push-option',
    '--repo',
    '--receive-pack',
    '--exec',
    '-b',
    '--author',
    '--date',
    '--template',
  ],
  kubectl: [
    '-n',
    '--namespace',
    '--context',
    '--cluster',
    '--user',
    '-l',
    '--selector',
    '-o',
    '--output',
    '-f',
    '--filename',
    '-c',
    '--container',
    '--kubeconfig',
    '-s',
    '--server',
    '--field-selector',
    '--timeout',
    '-p',
    '--patch',
    '--type',
    '--as',
    '-k',
    '--kustomize',
    '--token',
    '--grace-period',
    '--replicas',
  ],
  helm: [
    '-n',
    '--namespace',
    '--kube-context',
    '-f',
    '--values',
    '--set',
    '--set-string',
    '--set-file',
    '--version',
    '-o',
    '--output',
    '--timeout',
    '--kubeconfig',
    '--repo',
    '--description',
  ],
  docker: [
    '-H',
    '--host',
    '--context',
    '-f',
    '--file',
    '-p',
    '--project-name',
    '--project-directory',
    '--filter',
    '-e',
    '--env',
    '--env-file',
    '-w',
    '--workdir',
    '--name',
    '-u',
    '--user',
    '--network',
    '--format',
    '--profile',
    '--log-level',
    '--config',
  ],
  aws: ['--profile', '--region', '--output', '--endpoint-url', '--query', '--color', '--ca-bundle', '--cli-read-timeout', '--cli-connect-timeout'],
  gcloud: ['--project', '--zone', '--region', '--format', '--account', '--configuration', '--filter', '--verbosity'],
  az: ['-g', '--resource-group', '--subscription', '-o', '--output', '--query'],
  terraform: ['-var', '-var-file', '-target', '-state', '-state-out', '-backup', '-lock-timeout', '-parallelism'],
  pulumi: ['-s', '--stack', '-C', '--cwd', '--config-file', '-c', '--config'],
  systemctl: ['-H', '--host', '-M', '--machine', '-t', '--type', '-s', '--signal', '--state'],
  psql: ['-h', '--host', '-U', '--username', '-d', '--dbname', '-p', '--port', '-c', '--command', '-f', '--file', '-v', '--set'],
  mysql: ['-h', '--host', '-u', '--user', '-e', '--execute', '-D', '--database', '-P', '--port', '-S', '--socket'],
  'redis-cli': ['-h', '-p', '-a', '-n', '-u', '--user', '--pass', '-s'],
  mongosh: ['--host', '--port', '-u', '--username', '--eval', '--file', '--authenticationDatabase'],
  rsync: ['-e', '--rsh', '--exclude', '--include', '--filter', '--exclude-from', '--include-from', '--files-from', '--rsync-path'],
  kill: ['-s', '-n'],
  crontab: ['-u'],
  heroku: ['-a', '--app', '-r', '--remote', '--confirm'],
  flyctl: ['-a', '--app', '-c', '--config', '-o', '--org'],
  vercel: ['--scope', '--token', '-t', '-A', '--local-config'],
};
VALUE_FLAGS.podman = VALUE_FLAGS.docker!;
VALUE_FLAGS['docker-compose'] = VALUE_FLAGS.docker!;
VALUE_FLAGS.tofu = VALUE_FLAGS.terraform!;
VALUE_FLAGS.mariadb = VALUE_FLAGS.mysql!;
VALUE_FLAGS.mysqldump = VALUE_FLAGS.mysql!;
VALUE_FLAGS.fly = VALUE_FLAGS.flyctl!;
VALUE_FLAGS.oc = VALUE_FLAGS.kubectl!;
// Tools of the later catalog domains (backup, storage, cicd, messaging, ...): their global options
// come before the sub-command in the tools' own documentation.
Object.assign(VALUE_FLAGS, {
  restic: ['-r', '--repo', '--repository-file', '-p', '--password-file', '-o', '--option', '--cache-dir', '--tag', '--host', '--path'],
  rclone: [
    '--config',
    '--exclude',
    '--include',
    '--filter',
    '--filter-from',
    '--exclude-from',
    '--min-age',
    '--max-age',
    '--transfers',
    '--log-file',
    '--backup-dir',
  ],
  mc: ['--config-dir', '-C'],
  s3cmd: ['-c', '--config', '--access_key', '--secret_key'],
  vault: ['-address', '-namespace', '-ns', '-format', '-field', '-mount', '-path'],
  op: ['--account', '--vault', '--format', '--session'],
  doppler: ['-p', '--project', '-c', '--config', '--token', '--scope'],
  gh: [
    '-R',
    '--repo',
    '--hostname',
    '-X',
    '--method',
    '-H',
    '--header',
    '-f',
    '-F',
    '--field',
    '--raw-field',
    '--jq',
    '-q',
    '--env',
    '-e',
    '--org',
    '-o',
  ],
  glab: ['-R', '--repo', '-X', '--method', '-H', '--header', '-f', '-F', '--field', '--raw-field', '-g', '--group'],
  nats: ['-s', '--server', '--context', '--creds', '--user', '--password'],
  rpk: ['-X', '--brokers', '--config', '--profile'],
  rabbitmqctl: ['-n', '--node', '-p', '--vhost', '-t', '--timeout'],
  stripe: ['--api-key', '--project-name', '-p', '--stripe-account'],
  'jenkins-cli': ['-s', '-auth', '-i', '-webSocket'],
  circleci: ['--token', '--host', '--org-id'],
  algolia: ['-a', '--application-id', '--profile'],
  fastly: ['-s', '--service-id', '--token', '-t', '--version'],
  wrangler: ['-c', '--config', '-e', '--env'],
  ldcli: ['--project', '--environment', '--access-token'],
  flipt: ['--config', '--namespace', '-n'],
  netlify: ['--site', '--auth', '--context'],
  railway: ['-s', '--service', '-e', '--environment'],
  ansible: ['-m', '--module-name', '-a', '--args', '-i', '--inventory', '-u', '--user', '-f', '--forks', '-e', '--extra-vars', '-l', '--limit'],
  nginx: ['-c', '-g', '-p'],
  velero: ['-n', '--namespace', '--kubeconfig', '--kubecontext'],
});

const valueFlagSets = new Map(Object.entries(VALUE_FLAGS).map(([k, v]) => [k, new Set(v)]));
const NONE = new Set<string>();

/**
 * Value flags that are plain switches after some sub-commands (the leading positional words, as
 * typed): docker's `-f` is `--file` for build/compose but `--force` for `rm`, so in
 * `docker rm -f api` the container is a positional. Once a listed sub-command is seen it holds for
 * the rest of the line (`docker rm api -f web`).
 */
const DOCKER_FORCE = [
  'rm',
  'rmi',
  'container rm',
  'container prune',
  'image rm',
  'image prune',
  'volume rm',
  'volume prune',
  'network rm',
  'network prune',
  'system prune',
  'builder prune',
  'buildx prune',
  'node rm',
  'plugin rm',
  'swarm leave',
  'compose rm',
  'logs',
  'container logs',
  'service logs',
  'compose logs',
];
const SUB_SWITCHES: Record<string, Record<string, readonly string[]>> = {
  docker: Object.fromEntries(DOCKER_FORCE.map((sub) => [sub, ['-f']])),
};
SUB_SWITCHES.podman = SUB_SWITCHES.docker!;
SUB_SWITCHES['docker-compose'] = { rm: ['-f'], logs: ['-f'] };
const subSwitchSets = new Map(Object.entries(SUB_SWITCHES).map(([k, v]) => [k, new Map(Object.entries(v).map(([sub, f]) => [sub, new Set(f)]))]));
/** Sub-commands are at most this many words (`container rm`): later positionals are not looked up. */
const MAX_SUB_WORDS = 2;

export interface ArgView {
  /** argv after argv[0], joined by single spaces: what `args`/`notArgs` regexes see. */
  joined: string;
  positionals: string[];
  /** Every flag as written up to `=` (`-rf`, `--force`, `-delete`, `-9`). */
  words: Set<string>;
  /** Letters of short-flag bundles (`-rf` -> r, f). */
  letters: Set<string>;
  /** Flag -> value (`--x=v`, `--x v`, `-n v`, `-nv` for known value flags). */
  values: Map<string, string>;
}

const isFlag = (w: string): boolean => w.length > 1 && w[0] === '-';

export function argView(cmd: SimpleCommand): ArgView {
  const args = cmd.argv.slice(1);
  const valueFlags = valueFlagSets.get(cmd.name) ?? NONE;
  const subSwitches = subSwitchSets.get(cmd.name);
  let switches: ReadonlySet<string> = NONE;
  const takesValue = { has: (flag: string): boolean => valueFlags.has(flag) && !switches.has(flag) };
  const view: ArgView = { joined: args.join(' '), positionals: [], words: new Set(), letters: new Set(), values: new Map() };
  let endOfFlags = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (endOfFlags || !isFlag(w)) {
      view.positionals.push(w);
      if (subSwitches && view.positionals.length <= MAX_SUB_WORDS) switches = subSwitches.get(view.positionals.join(' ').toLowerCase()) ?? switches;
      continue;
    }
    if (w === '--') {
      endOfFlags = true;
      continue;
    }
    const next = args[i + 1];
    const nextIsValue = next !== undefined && !isFlag(next);
    if (w.startsWith('--') || !/^-[A-Za-z0-9]+$/.test(w)) {
      // `--long`, `--long=value`, or a single-dash word flag (`-delete`, `-chdir=dir`).
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(0, eq) : w;
      view.words.add(name);
      if (eq > 0) view.values.set(name, w.slice(eq + 1));
      else if (nextIsValue) {
        view.values.set(name, next);
        if (takesValue.has(name)) i++;
      }
      continue;
    }
    // A short flag or bundle: `-r`, `-rf`, `-nprod` (value attached to a known value flag).
    view.words.add(w);
    for (let j = 1; j < w.length; j++) {
      const flag = `-${w[j]}`;
      view.letters.add(w[j]!);
      if (takesValue.has(flag)) {
        const rest = w.slice(j + 1);
        if (rest) view.values.set(flag, rest);
        else if (nextIsValue) {
          view.values.set(flag, next);
          i++;
        }
        break;
      }
      if (j === w.length - 1 && nextIsValue && !view.values.has(flag)) view.values.set(flag, next);
    }
  }
  return view;
}

/** One alternative of a flag alternation, pre-classified at compile time. */
export interface FlagTest {
  kind: 'long' | 'short' | 'word';
  name: string;
}

export function compileFlags(alternation: string): FlagTest[] {
  return alternation
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => ({ kind: name.startsWith('--') ? 'long' : /^-[A-Za-z0-9]$/.test(name) ? 'short' : 'word', name }));
}

/** The alternative of `tests` present in the view, as written, or null. */
export function findFlag(view: ArgView, tests: FlagTest[], bundled: boolean): string | null {
  for (const t of tests) {
    if (view.words.has(t.name)) return t.name;
    if (t.kind === 'short' && bundled && view.letters.has(t.name[1]!)) return t.name;
  }
  return null;
}

export function flagValue(view: ArgView, tests: FlagTest[]): string | null {
  for (const t of tests) {
    const v = view.values.get(t.name);
    if (v !== undefined) return v;
  }
  return null;
}

const ENV_REF = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;

/** Names of the environment variables a command's arguments reference (`$X`, `${X}`, `${X:-d}`). */
export function envRefs(cmd: SimpleCommand): string[] {
  const out = new Set<string>();
  for (const text of [cmd.argv.slice(1).join(' '), cmd.source]) {
    for (const m of text.matchAll(ENV_REF)) out.add(m[1]!);
  }
  return [...out];
}
