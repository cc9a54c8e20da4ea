import type { Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import type { Action } from '../daemon/contract/enums.js';
import type { Rule } from '../daemon/engine/rules/schema.js';
import { UserError } from './errors.js';
import { colorEnabled, painter } from './output/color.js';

// `prodguard rules [list|show ID] [--json] [--domain D]`: the catalog, the config's custom rules
// and the engine's own rules, with whether each is in effect under the current config.

interface ListedRule extends Rule {
  source: 'catalog' | 'custom' | 'engine';
  enabled: boolean;
  /** What the policy does with a match in production. */
  effect: Action;
}

async function allRules(): Promise<ListedRule[]> {
  const [{ loadConfig }, { loadCatalog }, { ENGINE_RULES }] = await Promise.all([
    import('../daemon/config/load.js'),
    import('../daemon/engine/rules/catalog/index.js'),
    import('../daemon/engine/rules/engine-rules.js'),
  ]);
  const config = loadConfig(resolvePaths(process.env));
  const disabled = new Set(config.rules.disabled);
  const custom = new Set(config.rules.custom.map((r) => r.id));
  const tag =
    (source: ListedRule['source']) =>
    (r: Rule): ListedRule => ({ ...r, source, enabled: !disabled.has(r.id), effect: r.action ?? config.policy[r.severity] });
  return [
    ...loadCatalog()
      .rules.filter((r) => !custom.has(r.id))
      .map(tag('catalog')),
    ...config.rules.custom.map(tag('custom')),
    ...ENGINE_RULES.map(tag('engine')),
  ];
}

export function register(program: Command): void {
  program
    .command('rules')
    .description('List the rules (catalog, custom, engine) or show one')
    .argument('[action]', 'list (default) or show', 'list')
    .argument('[id]', 'rule id, for show')
    .option('--json', 'print JSON (an array for list, an object for show)')
    .option('--domain <domain>', 'only rules of this domain (list)')
    .addHelpText(
      'after',
      '\nExamples:\n  prodguard rules\n  prodguard rules list --domain git\n  prodguard rules show filesystem.rm-recursive --json\n',
    )
    .action(async (action: string, id: string | undefined, opts: { json?: boolean; domain?: string }) => {
      const rules = await allRules();
      const paint = painter(colorEnabled());
      if (action === 'show') {
        if (!id) throw new UserError('rules show needs a rule id (prodguard rules list shows them)');
        const rule = rules.find((r) => r.id === id);
        if (!rule) throw new UserError(`no rule ${JSON.stringify(id)} (prodguard rules list shows them)`);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rule, null, 2)}\n`);
          return;
        }
        const lines = [
          `${paint('bold', rule.id)}  ${rule.severity}  ${rule.domain}  (${rule.source}${rule.enabled ? '' : ', disabled by config'})`,
          `reason:      ${rule.reason}`,
          `alternative: ${rule.alternative}`,
          `in production: ${rule.effect}${rule.action ? ' (set by the rule)' : ' (policy for its severity)'}`,
          `match:       ${JSON.stringify(rule.match)}`,
          `target:      ${rule.target ? JSON.stringify(rule.target) : 'the host name'}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      if (action !== 'list') throw new UserError(`unknown action ${JSON.stringify(action)}: use list or show ID`);
      const shown = opts.domain ? rules.filter((r) => r.domain === opts.domain) : rules;
      if (opts.domain && !shown.length) {
        const domains = [...new Set(rules.map((r) => r.domain))].sort().join(', ');
        throw new UserError(`no rules in domain ${JSON.stringify(opts.domain)} (domains: ${domains})`);
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      const w = Math.max(...shown.map((r) => r.id.length));
      for (const r of shown) {
        const sev = r.severity.padEnd(8);
        const id = r.enabled ? r.id.padEnd(w) : paint('dim', `${r.id.padEnd(w)}`);
        process.stdout.write(
          `${id}  ${paint(r.severity === 'critical' ? 'red' : r.severity === 'high' ? 'yellow' : null, sev)}  ${r.reason}${r.enabled ? '' : paint('dim', ' (disabled)')}\n`,
        );
      }
      process.stdout.write(paint('dim', `${shown.length} rules${opts.domain ? ` in ${opts.domain}` : ''}\n`));
    });
}
