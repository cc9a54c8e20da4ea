import { existsSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import { UserError } from './errors.js';

// `prodguard config path|check|show|init|edit [--json]`: where the config lives, whether it is
// valid (exit 7 with a one-line error when not), the effective config with every default filled
// in, a new annotated file of the defaults, and a validated edit in $VISUAL/$EDITOR.

export function register(program: Command): void {
  program
    .command('config')
    .description('Show where the config file is, check it, or print the effective config')
    .addArgument(
      new Argument('[action]', 'path, check (default), show, init (write every default, annotated) or edit (open $EDITOR, validate on save)')
        .choices(['path', 'check', 'show', 'init', 'edit'])
        .default('check'),
    )
    .option('--json', 'print JSON')
    .option('--force', 'init: replace an existing file with the defaults')
    .action(async (action: string, opts: { json?: boolean; force?: boolean }) => {
      const paths = resolvePaths(process.env);
      const file = paths.configFile;
      if (action === 'path') {
        process.stdout.write(opts.json ? `${JSON.stringify({ file, exists: existsSync(file) })}\n` : `${file}\n`);
        return;
      }
      if (action === 'init' || action === 'edit') {
        const [{ initConfig, editConfig }, { packageVersion }] = await Promise.all([
          import('./config-file.js'),
          import('../daemon/contract/version.js'),
        ]);
        if (action === 'edit') return editConfig(file, { version: packageVersion() });
        initConfig(file, { force: opts.force, version: packageVersion() });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ file, written: true })}\n`
            : `wrote ${file}: every setting at its default, with what it means; check it with \`prodguard config check\`\n`,
        );
        return;
      }
      if (action !== 'check' && action !== 'show')
        throw new UserError(`unknown action ${JSON.stringify(action)}: use path, check, show, init or edit`);
      const [{ loadConfig }, { createEngine }, { safeOrigin }] = await Promise.all([
        import('../daemon/config/load.js'),
        import('../daemon/engine/index.js'),
        import('../daemon/sinks/alerts/http.js'),
      ]);
      const config = loadConfig(paths);
      // Building the engine compiles every custom rule too, so a bad one is caught here.
      const engine = createEngine(config);
      if (action === 'show') {
        // Webhook secrets are never printed, nor the path of a target URL (a Slack webhook's path
        // is its credential): the origin is enough to tell targets apart.
        const targets = config.alerts.targets.map((t) => ({ ...t, url: `${safeOrigin(t.url)}/***`, ...(t.secret ? { secret: '***' } : {}) }));
        const safe = { ...config, alerts: { targets } };
        process.stdout.write(`${JSON.stringify(safe, null, 2)}\n`);
        return;
      }
      const exists = existsSync(file);
      const summary = {
        file,
        exists,
        valid: true,
        rules: engine.rules.length,
        custom: config.rules.custom.length,
        disabled: config.rules.disabled.length,
        allowlist: config.allowlist.length,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (!exists) process.stdout.write(`no config file at ${file}; using the defaults (${summary.rules} rules)\n`);
      else
        process.stdout.write(
          `config ${file}: ok (${summary.rules} rules in effect, ${summary.custom} custom, ${summary.disabled} disabled, ${summary.allowlist} allowlist entries)\n`,
        );
    });
}
