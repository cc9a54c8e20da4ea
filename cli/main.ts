import { Command, CommanderError } from 'commander';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { packageVersion } from '../daemon/contract/version.js';
import { reportError } from './errors.js';
import { commandsFor } from './commands.js';

// Entry point of `prodguard`. Each command lives in its own file and registers itself; only the
// command being run is imported (see commands.ts).

// `prodguard rules | head`: the reader going away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const program = new Command('prodguard')
  .description('Guard production shells: check destructive commands, keep a tamper-evident audit trail, alert the team.')
  .version(packageVersion())
  .configureOutput({ outputError: (text, write) => write(oneLineError(text)) })
  .exitOverride();

/**
 * commander's own errors ("error: unknown option '--x'\n(help hint)") in the one format every
 * prodguard error has: `prodguard: <what went wrong>: <what to do>`.
 */
function oneLineError(text: string): string {
  const [first = '', ...rest] = text.replace(/^error:\s*/i, '').split('\n');
  const what = first.trim().replace(/\.$/, '');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
  if (suggestion) return `prodguard: ${what}: did you mean \`${suggestion.startsWith('-') ? suggestion : `prodguard ${suggestion}`}\`?\n`;
  const name = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const help = name && program.commands.some((c) => c.name() === name) ? `prodguard ${name} --help` : 'prodguard --help';
  return `prodguard: ${what}: see \`${help}\` for usage\n`;
}

const args = process.argv.slice(2);
commandsFor(args)
  .then((modules) => {
    for (const m of modules) m.register(program);
    return program.parseAsync(process.argv);
  })
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // commander already printed its one-line message (or the help / version).
      const helpOrVersion = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = helpOrVersion ? EXIT.OK : EXIT.USAGE;
      return;
    }
    process.exitCode = reportError(err);
  });
