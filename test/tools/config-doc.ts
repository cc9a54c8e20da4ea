import { z } from 'zod';
import { ConfigSchema } from '../../daemon/config/schema.js';

// Renders docs/configuration.md from the zod schema itself, so the reference cannot drift from
// what the loader accepts. test/docs/config-doc.test.ts fails when the committed file is stale;
// `node dist/test/tools/config-doc.js > docs/configuration.md` regenerates it.

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
};

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' \\| ');
  if (s.type === 'array') return s.items?.properties ? 'object[]' : `${s.items ? typeOf(s.items) : 'any'}[]`;
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

function rows(s: JsonSchema, path: string, out: string[]): void {
  const variants = s.type === 'array' ? (s.items?.oneOf ?? s.items?.anyOf) : undefined;
  if (s.properties) {
    for (const [key, child] of Object.entries(s.properties)) rows(child, path ? `${path}.${key}` : key, out);
    return;
  }
  if (variants && variants.every((v) => v.properties)) {
    out.push(`| \`${path}\` | array of objects, one of the kinds below | \`[]\` | ${s.description ?? ''} |`);
    for (const v of variants) {
      const kind = Object.entries(v.properties!).find(([, p]) => p.const !== undefined);
      rows({ properties: v.properties! }, `${path}[${kind ? `${kind[0]}=${String(kind[1].const)}` : ''}]`, out);
    }
    return;
  }
  if (s.type === 'array' && s.items?.properties && path !== 'rules.custom') {
    out.push(`| \`${path}\` | array of objects | ${fmtDefault(s.default)} | ${s.description ?? ''} |`);
    rows({ properties: s.items.properties }, `${path}[]`, out);
    return;
  }
  out.push(`| \`${path}\` | ${typeOf(s)} | ${fmtDefault(s.default)} | ${(s.description ?? '').replace(/\|/g, '\\|')} |`);
}

function fmtDefault(v: unknown): string {
  if (v === undefined) return '';
  const text = JSON.stringify(v);
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

export function renderConfigDoc(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from daemon/config/schema.ts by test/tools/config-doc.ts. Do not edit by hand. -->',
    '',
    'One JSON file: `$PRODGUARD_HOME/config.json` when `PRODGUARD_HOME` is set, otherwise',
    '`$XDG_CONFIG_HOME/prodguard/config.json` (`~/.config/prodguard/config.json`). Every field is',
    'optional. Unknown fields are errors (a typo must not silently disable a guard). Comments (`//`, `/* */`) are allowed:',
    '`prodguard config init` writes every default with its meaning. The daemon',
    'reloads the file on SIGHUP and keeps the last good configuration when the new one is invalid.',
    '`rules.custom[]` entries have the shape of the catalog rules (docs/rules.md).',
    '',
    '| field | type | default | meaning |',
    '| --- | --- | --- | --- |',
  ];
  rows(schema, '', out);
  out.push(
    '',
    '## Example',
    '',
    '```json',
    JSON.stringify(
      {
        production: { variables: ['PRODGUARD_ENV', 'ENV', 'CRONOS_AI_ENVIRONMENT'], hostname: '^db-prod-' },
        policy: { critical: 'block', high: 'confirm', dryRunFirst: { enabled: true, minSeverity: 'high', minutes: 15 } },
        rules: { disabled: ['git.reset-hard'] },
        allowlist: [{ pattern: '^rm -rf /tmp/build-cache$', reason: 'CI cache cleanup', expires: '2027-01-31' }],
        syslog: {
          targets: [
            { type: 'unix', path: '/dev/log' },
            { type: 'tcp', host: 'logs.internal', port: 6514 },
          ],
        },
        alerts: {
          targets: [
            { name: 'oncall', type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX', minSeverity: 'high' },
            { name: 'siem', type: 'webhook', url: 'https://siem.internal/prodguard', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
          ],
        },
      },
      null,
      2,
    ),
    '```',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  process.stdout.write(renderConfigDoc());
}
