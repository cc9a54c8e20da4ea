import { loadCatalog } from '../../daemon/engine/rules/catalog/index.js';
import { ENGINE_RULES } from '../../daemon/engine/rules/engine-rules.js';
import type { Rule } from '../../daemon/engine/rules/schema.js';

// Renders docs/rules.md from the rule catalog, so the reference cannot drift from the data the
// engine loads. test/corpus/rules-doc.test.ts fails when the committed file is stale;
// `node dist/test/tools/rules-doc.js > docs/rules.md` regenerates it.

const ACTION: Record<Rule['severity'], string> = { low: 'allow (logged)', medium: 'confirm', high: 'confirm', critical: 'block' };

/** A table cell: pipes escaped, newlines flattened. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Inline code that survives backticks in the text. */
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

function describeMatch(r: Rule): string {
  const m = r.match;
  const parts: string[] = [];
  if (m.command) parts.push(m.command.map(code).join(' '));
  if (m.sub) parts.push(`sub ${m.sub.map(code).join(' ')}`);
  if (m.all) parts.push(`all ${m.all.map(code).join(', ')}`);
  if (m.any) parts.push(`any ${m.any.map(code).join(', ')}`);
  if (m.none) parts.push(`none ${m.none.map(code).join(', ')}`);
  if (m.bundled === false) parts.push('unbundled');
  if (m.args) parts.push(`args /${code(m.args)}/`);
  if (m.notArgs) parts.push(`not args /${code(m.notArgs)}/`);
  if (m.statement) parts.push(`${(m.dialect ?? ['any']).join('/')} statement /${code(m.statement)}/`);
  if (m.envRef) parts.push(`references $/${code(m.envRef)}/`);
  if (m.redirect) parts.push(`redirect > /${code(m.redirect)}/`);
  return cell(parts.join(' · '));
}

function describeTarget(r: Rule): string {
  const t = r.target;
  if (!t) return 'host name';
  const what = {
    lastArg: 'last argument',
    positional: `argument ${t.index ?? 0} after the sub-command`,
    flag: `value of ${t.flag ?? ''}`,
    capture: 'captured name',
    host: 'host name',
    redirect: 'redirect target',
  }[t.from];
  return cell(t.kind === 'path' && t.from !== 'host' ? `${what} (basename)` : what);
}

export function renderRulesDoc(): string {
  const catalog = loadCatalog();
  const bySeverity = (s: Rule['severity']): number => catalog.rules.filter((r) => r.severity === s).length;
  const out = [
    '# Rules reference',
    '',
    '<!-- Generated from daemon/engine/rules/catalog/*.json by test/tools/rules-doc.ts. Do not edit by hand. -->',
    '',
    `${catalog.rules.length} rules in ${catalog.domains.length} domains (${bySeverity('critical')} critical, ${bySeverity('high')} high, ${bySeverity('medium')} medium, ${bySeverity('low')} low).`,
    'Rules match the simple commands a line would run after the parser has unwrapped it (`sudo`, `env`,',
    '`bash -c`, `ssh host ...`, `$(...)`, `xargs`, `find -exec`, pipes, loops, here-docs), and the SQL,',
    'Redis and mongosh statements handed to database clients. Arguments that are data (`echo`, `grep`,',
    '`git commit -m`) are never re-parsed.',
    '',
    'Default policy: `low` is allowed and logged, `medium` and `high` need the typed confirmation phrase',
    "(or the tool's own dry run; `DRY_RUN=1` only for programs that read it), `critical` is blocked. The phrase is the target the",
    'rule extracts (database, namespace, branch, path basename), or the host name. Tune rules in the',
    'configuration (`rules.disabled`, `rules.custom` with the same id replaces a rule; docs/configuration.md).',
    '',
    'Match fields: `command` program names (basename; `mkfs.*` is a prefix); `sub` leading positional words;',
    '`all`/`any`/`none` flag alternations (short flags also match inside bundles such as `-rf` unless',
    '"unbundled"); `args` / `not args` regexes over the arguments joined by single spaces; `statement`',
    'regexes over normalized statements (comments stripped, whitespace collapsed, no trailing `;`);',
    '`redirect` regexes over the target of a truncating redirection (`>`, `>|`, `&>`, `>& file`; never',
    '`>>` or `2>&1`), where a redirection alone (`> data.db`) counts as the null command `:`. Every regex is',
    'case-insensitive.',
    '',
    'Every rule is tested on labelled lines: beside each `catalog/<domain>.json` a `<domain>.cases.jsonl`',
    'holds `{"line", "rules", "dialect"?, "note"?}` objects, `rules` being the exact set of ids the line must',
    'match in production (`[]` for a benign line); `test/corpus/domains.test.ts` asserts each line and that',
    'each rule has a positive and a negative line. `prodguard check --batch` evaluates such files in one',
    'process; `node dist/test/tools/cases-check.js` lists the lines whose matches differ from their label.',
    '',
    '| domain | rules | |',
    '| --- | --- | --- |',
    ...catalog.domains.map((d) => `| [${d.domain}](#${d.domain}) | ${d.count} | ${cell(d.description)} |`),
    '',
  ];
  for (const d of catalog.domains) {
    out.push(
      `## ${d.domain}`,
      '',
      d.description,
      '',
      '| id | severity | matches | reason | phrase from | safer alternative |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const r of catalog.rules.filter((x) => x.domain === d.domain)) {
      out.push(
        `| \`${r.id}\` | ${r.severity}${r.action ? ` (${r.action})` : ''} | ${describeMatch(r)} | ${cell(r.reason)} | ${describeTarget(r)} | ${cell(r.alternative)} |`,
      );
    }
    out.push('');
  }
  out.push(
    '## engine',
    '',
    'Rules the engine applies itself: when it cannot read a line fully they fail closed to a confirmation; a fork bomb (a function that calls itself in the background, recognised in the line text) is blocked.',
    '',
    '| id | severity | reason | safer alternative |',
    '| --- | --- | --- | --- |',
  );
  for (const r of ENGINE_RULES)
    out.push(`| \`${r.id}\` | ${r.severity} (${r.action ?? ACTION[r.severity]}) | ${cell(r.reason)} | ${cell(r.alternative)} |`);
  out.push('');
  return out.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  process.stdout.write(renderRulesDoc());
}
