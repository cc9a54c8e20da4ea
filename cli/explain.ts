import type { Command } from 'commander';
import { colorEnabled, painter } from './output/color.js';
import { engineForCli, engineInput, exitCodeFor, lineOptions, productionLine, type LineOptions } from './check.js';

// `prodguard explain -- <line>`: how the engine read the line (the simple commands after
// unwrapping, with what was peeled off; the statements handed to database clients), which rule
// matched which of them and why, and the verdict here and in production.

export function register(program: Command): void {
  lineOptions(
    program
      .command('explain')
      .description('Explain how a command line is parsed and which rules match it, and why')
      .option('--json', 'print {commands, statements, problems, matches, verdict} as JSON (secrets redacted)'),
  )
    .addHelpText('after', '\nExample:\n  prodguard explain -- sudo bash -c "rm -rf /srv/data" \\&\\& psql -c "DROP TABLE users"\n')
    .action(async (words: string[], opts: LineOptions & { json?: boolean }) => {
      const { engine, config } = await engineForCli();
      const { redact } = await import('../daemon/engine/redact/index.js');
      const input = engineInput(words, opts);
      const { parsed, hits, verdict } = engine.explain(input);
      const hide = (s: string): string => redact(s, config);
      if (opts.json) {
        const commands = parsed.commands.map((c) => ({
          name: c.name,
          argv: c.argv.map(hide),
          assignments: Object.fromEntries(Object.entries(c.assignments).map(([k, v]) => [k, hide(`${k}=${v}`).slice(k.length + 1)])),
          via: c.via,
          dynamicName: c.dynamicName,
          source: hide(c.source),
          ...(c.origin ? { origin: c.origin } : {}),
        }));
        const statements = parsed.statements.map((st) => ({ ...st, text: hide(st.text) }));
        const matches = hits.map((h) => ({ ...h.result, kind: h.kind, index: h.index, why: h.why, action: h.action, dryRun: h.dryRun, allowlisted: h.allowlisted }));
        process.stdout.write(`${JSON.stringify({ commands, statements, problems: verdict.problems, matches, verdict })}\n`);
        process.exitCode = exitCodeFor(verdict);
        return;
      }
      const paint = painter(colorEnabled());
      const out: string[] = [];

      out.push(`${paint('bold', 'line')}        ${verdict.redacted || paint('dim', '(empty)')}`);
      out.push(`${paint('bold', 'environment')} ${productionLine(verdict, paint)}`);
      out.push('', paint('bold', `simple commands (${parsed.commands.length})`));
      parsed.commands.forEach((c, i) => {
        const via = `${c.origin ? `  at ${c.origin}` : ''}${c.via.length ? `  via ${c.via.join(' > ')}` : ''}`;
        const flags = [c.dynamicName ? 'program computed at run time' : '', Object.keys(c.assignments).length ? `sets ${Object.keys(c.assignments).join(', ')}` : ''].filter(Boolean).join('; ');
        out.push(`  ${i + 1}. ${paint('cyan', c.name || '(none)')}  ${hide(c.source)}${paint('dim', via)}${flags ? paint('dim', `  (${flags})`) : ''}`);
      });
      if (parsed.statements.length) {
        out.push('', paint('bold', `statements (${parsed.statements.length})`));
        parsed.statements.forEach((s, i) => out.push(`  ${i + 1}. ${s.dialect} -> ${s.client}: ${hide(s.text)}`));
      }
      out.push('', paint('bold', `matches (${hits.length})`));
      if (!hits.length) out.push(paint('dim', '  no rule matched'));
      for (const h of hits) {
        const m = h.result;
        const where = h.index < 0 ? 'the whole line' : `${h.kind} ${h.index + 1}`;
        const notes = [h.dryRun ? 'dry run' : '', h.allowlisted ? 'allowlisted' : ''].filter(Boolean).join(', ');
        out.push(`  ${where} -> ${paint('bold', m.rule)} (${m.severity}, policy: ${h.action}${notes ? `; ${notes}` : ''})`);
        out.push(`    matched: ${m.command}`);
        out.push(`    reason:  ${m.reason}`);
        out.push(`    because: ${h.why.join('; ')}`);
        out.push(`    target:  ${m.target ?? '-'}   phrase: ${m.confirm}`);
        out.push(`    instead: ${m.alternative}`);
      }
      for (const p of parsed.problems) out.push(`  ${paint('yellow', 'parse problem')}: ${p}`);
      for (const n of parsed.notes ?? []) out.push(`  ${paint('yellow', 'note')}: ${n}`);
      out.push('', `${paint('bold', 'verdict')}     ${verdict.verdict}${verdict.confirm ? ` (type ${JSON.stringify(verdict.confirm)})` : ''}${verdict.dryRun ? ' (dry run)' : ''}`);
      if (!verdict.production.active && hits.length) {
        const inProd = engine.evaluate({ ...input, env: { ...input.env, PRODGUARD_ENV: 'production', PRODGUARD_DISABLE: undefined } });
        out.push(`in production: ${inProd.verdict}${inProd.confirm ? ` (type ${JSON.stringify(inProd.confirm)})` : ''}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
      process.exitCode = exitCodeFor(verdict);
    });
}
