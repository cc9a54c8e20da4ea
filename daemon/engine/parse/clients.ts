// Database statements carried by a command line: SQL given to psql/mysql/sqlite3/..., redis
// commands given to redis-cli, JavaScript given to mongosh, from options, operands, here-docs,
// here-strings and `echo ... |` pipes.

import { splitStatements, type SqlFlavor } from '../sql/split.js';
import type { ParseContext } from './context.js';
import { readOptions, type OptionSpec } from './options.js';
import type { SimpleCommand, Statement } from './types.js';

export interface Client {
  dialect: Statement['dialect'];
  flavor?: SqlFlavor;
  /** Options whose values are statements (`-c`, `--command`). */
  statementOptions: readonly string[];
  spec: OptionSpec;
  /** Operands after the first (the database file) are statements: sqlite3, duckdb. */
  operandsAfterDb?: boolean;
  /** Operands are one command, words joined: redis-cli. */
  operandsAreCommand?: boolean;
  /** Options that mean standard input is not read as statements (`psql -f file`). */
  fileOptions?: readonly string[];
}

const PSQL: Client = {
  dialect: 'sql',
  flavor: 'postgres',
  statementOptions: ['-c', '--command'],
  fileOptions: ['-f', '--file'],
  spec: {
    short: 'cdfFhLopPRTUv',
    permute: true,
    long: [
      '--command',
      '--dbname',
      '--file',
      '--host',
      '--port',
      '--username',
      '--set',
      '--variable',
      '--output',
      '--log-file',
      '--field-separator',
      '--record-separator',
      '--pset',
      '--table-attr',
    ],
  },
};
const MYSQL: Client = {
  dialect: 'sql',
  flavor: 'mysql',
  statementOptions: ['-e', '--execute'],
  spec: {
    short: 'eDhPSuOT',
    attached: 'p',
    permute: true,
    long: [
      '--execute',
      '--database',
      '--host',
      '--port',
      '--socket',
      '--user',
      '--default-character-set',
      '--defaults-file',
      '--login-path',
      '--ssl-ca',
      '--ssl-cert',
      '--ssl-key',
      '--ssl-mode',
      '--protocol',
      '--init-command',
    ],
  },
};
const SQLITE: Client = {
  dialect: 'sql',
  flavor: 'sqlite',
  statementOptions: ['-cmd', '--cmd', '-c', '-s'],
  operandsAfterDb: true,
  spec: {
    single: [
      '-cmd',
      '--cmd',
      '-init',
      '--init',
      '-separator',
      '--separator',
      '-newline',
      '--newline',
      '-nullvalue',
      '--nullvalue',
      '-mmap',
      '--mmap',
      '-vfs',
      '--vfs',
      '-maxsize',
      '--maxsize',
    ],
    permute: true,
  },
};
const CLICKHOUSE: Client = {
  dialect: 'sql',
  flavor: 'mysql',
  statementOptions: ['-q', '--query'],
  fileOptions: ['--queries-file'],
  spec: { short: 'qhdu', permute: true, long: ['--query', '--host', '--port', '--user', '--password', '--database', '--format', '--queries-file'] },
};
const COCKROACH: Client = {
  dialect: 'sql',
  flavor: 'postgres',
  statementOptions: ['-e', '--execute'],
  fileOptions: ['-f', '--file'],
  spec: { short: 'edfu', permute: true, long: ['--execute', '--database', '--url', '--host', '--user', '--certs-dir', '--file', '--format'] },
};
const GENERIC_E: Client = {
  dialect: 'sql',
  flavor: 'generic',
  statementOptions: ['-e', '--execute', '-Q', '-q'],
  fileOptions: ['-f', '-i', '--file'],
  spec: { short: 'eQqkuUPSdHfi', permute: true, long: ['--execute', '--keyspace', '--username', '--password'] },
};
const REDIS: Client = {
  dialect: 'redis',
  statementOptions: [],
  operandsAreCommand: true,
  spec: {
    short: 'hpsaunridDtT',
    long: [
      '--user',
      '--pass',
      '--cacert',
      '--cacertdir',
      '--cert',
      '--key',
      '--tls-ciphers',
      '--tls-ciphersuites',
      '--sni',
      '--pattern',
      '--count',
      '--quoted-pattern',
      '--rdb',
      '--functions-rdb',
      '--pipe-timeout',
      '--memkeys-samples',
      '--eval',
      '--intrinsic-latency',
      '--lru-test',
    ],
  },
};
const MONGO: Client = {
  dialect: 'mongo',
  statementOptions: ['--eval'],
  fileOptions: ['-f', '--file'],
  spec: {
    permute: true,
    long: ['--eval', '--host', '--port', '--username', '-u', '--password', '-p', '--authenticationDatabase', '--file', '--apiVersion'],
  },
};

const CLIENTS = new Map<string, Client>([
  ['psql', PSQL],
  ['mysql', MYSQL],
  ['mariadb', MYSQL],
  ['sqlite3', SQLITE],
  ['sqlite', SQLITE],
  ['duckdb', SQLITE],
  ['clickhouse-client', CLICKHOUSE],
  ['cqlsh', GENERIC_E],
  ['sqlcmd', GENERIC_E],
  ['redis-cli', REDIS],
  ['valkey-cli', REDIS],
  ['keydb-cli', REDIS],
  ['mongosh', MONGO],
  ['mongo', MONGO],
]);

/** Program names of the database clients whose statements are read (known programs for dry runs). */
export const DATABASE_CLIENTS: readonly string[] = [...CLIENTS.keys()];

/** The client a command runs, and where its own arguments start (`cockroach sql`, `clickhouse client`). */
export function clientOf(cmd: SimpleCommand): [Client, number] | null {
  const c = CLIENTS.get(cmd.name);
  if (c) return [c, 1];
  if (cmd.name === 'cockroach' && cmd.argv[1] === 'sql') return [COCKROACH, 2];
  if (cmd.name === 'clickhouse' && (cmd.argv[1] === 'client' || cmd.argv[1] === 'local')) return [CLICKHOUSE, 2];
  return null;
}

/** Words given to redis-cli, as one line redis-cli itself would accept (spaces re-quoted). */
function redisLine(words: string[]): string {
  return words.map((w) => (/^[^\s"'\\]+$/.test(w) ? w : JSON.stringify(w))).join(' ');
}

export function extractStatements(ctx: ParseContext, cmd: SimpleCommand, index: number, stdin: string | undefined): void {
  const found = clientOf(cmd);
  if (!found) return;
  const [client, from] = found;
  if (cmd.dynamicName) return;
  const o = readOptions(cmd.argv, from, client.operandsAreCommand ? { ...client.spec, permute: false } : client.spec);
  const texts: string[] = [];
  for (const [name, value] of o.list) if (client.statementOptions.includes(name)) texts.push(value);
  if (client.operandsAfterDb) texts.push(...o.operands.slice(1));
  if (client.operandsAreCommand && o.next < cmd.argv.length) texts.push(redisLine(cmd.argv.slice(o.next)));
  const usesFile = client.fileOptions?.some((f) => o.seen.has(f)) ?? false;
  if (texts.length === 0 && stdin !== undefined && !usesFile) texts.push(stdin);
  for (const t of texts) {
    for (const text of splitStatements(t, client.dialect, client.flavor)) {
      if (ctx.full) return;
      ctx.statements.push({ dialect: client.dialect, text, client: cmd.name, command: index });
    }
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };

function unescapeEcho(s: string): string {
  return s.replace(/\\([ntr\\abfv])/g, (_, c: string) => ESCAPES[c]!);
}

const MAX_PRINTF_OUTPUT = 1 << 20;

/** printf's format reuse (one round per group of arguments), output capped. */
function printf(format: string, args: string[]): string {
  const out: string[] = [];
  let k = 0;
  let size = 0;
  do {
    const piece = format.replace(/%%|%[-+ #0-9.]*[a-zA-Z]/g, (m) => (m === '%%' ? '%' : (args[k++] ?? '')));
    out.push(piece);
    size += piece.length + 1;
  } while (k > 0 && k < args.length && size < MAX_PRINTF_OUTPUT);
  return unescapeEcho(out.join(''));
}

/** What a command writes to a pipe when we can know it: echo, printf, cat of its stdin. */
export function commandOutput(argv: string[], name: string, stdin: string | undefined): string | undefined {
  if (name === 'echo') {
    let i = 1;
    let escapes = false;
    while (i < argv.length && /^-[neE]+$/.test(argv[i]!)) escapes = argv[i++]!.includes('e') || escapes;
    const text = argv.slice(i).join(' ');
    return (escapes ? unescapeEcho(text) : text) + '\n';
  }
  if (name === 'printf' && argv.length > 1) {
    const fi = argv[1] === '--' ? 2 : 1;
    return printf(argv[fi] ?? '', argv.slice(fi + 1));
  }
  if (name === 'cat' && (argv.length === 1 || (argv.length === 2 && argv[1] === '-'))) return stdin;
  if (name === 'tee') return stdin;
  return undefined;
}
