import type { Command } from 'commander';

// `prodguard wrap <client> [args...]`: run a database client (psql, mysql, sqlite3, redis-cli,
// mongosh) behind a pseudo-terminal and guard each statement typed into it. The work lives in
// cli/wrap/ and is imported only when the command runs (node-pty, the engine).

export function register(program: Command): void {
  // The client's own options (`psql -h host`) must reach it: options after <client> are not
  // ours. Commander requires positional options on the parent for that; prodguard itself only
  // has --help/--version, which stay before the command name.
  program.enablePositionalOptions();
  program
    .command('wrap')
    .description('run a database client and check each statement typed into it before the client gets it (production only)')
    .argument('<client>', 'psql, mysql, mariadb, sqlite3, redis-cli, valkey-cli, mongosh')
    .argument('[args...]', "the client's own arguments, passed unchanged")
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption('-h, --help', 'show this help (options after <client> go to the client)')
    .addHelpText(
      'after',
      '\nIn production (see `prodguard check --help`) a statement that matches a destructive rule asks for the\n' +
        'phrase it names before the client receives it; a refused or blocked statement is discarded and the client\n' +
        "is left at a clean prompt. Outside production the client runs untouched. The wrapper exits with the client's\n" +
        'exit code. Statements are recorded in the audit trail (through the daemon, or its spool when it is down).\n' +
        "\nInput not typed at a terminal (a pipe, `< file`, -c, -f, sqlite3's SQL argument): the client runs with no pty, its\n" +
        'stdout and stderr untouched, after the whole input was judged: one confirmation on /dev/tty, none when the shell\n' +
        'prompt already confirmed this line; with no terminal, input that needs confirmation is refused (exit 3, blocked: 4).\n',
    )
    .action(async (client: string, args: string[]) => {
      const { runWrap } = await import('./wrap/session.js');
      process.exitCode = await runWrap(client, args);
    });
}
