import type { Command } from 'commander';
import { colorEnabled, painter } from './output/color.js';
import { printable as p_, terminalSafeJson } from './output/text.js';
import { dryRunText } from '../daemon/engine/verdict/message.js';
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
      const { redactorFor } = await import('../daemon/engine/redact/index.js');
      const input = engineInput(words, opts);
      const { parsed, hits, verdict } = engine.explain(input);
      // Each part is redacted with what the whole line reveals (`echo PASS | docker login --password-stdin`).
      const redactPart = redactorFor(config).withFragments(input.line).fragment;
      const hide = (s: string): string => redactPart(s);
      // Text output: what came from the line is redacted and shown with control characters visible.
      const show = (s: string): string => p_(redactPart(s));
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
        // field by field: a statement read from a file keeps its fields as getters (not spread)
        const statements = parsed.statements.map((st) => ({
          dialect: st.dialect,
          text: hide(st.text),
          client: st.client,
          command: st.command,
          ...(st.origin ? { origin: st.origin } : {}),
        }));
        const matches = hits.map((h) => ({
          ...h.result,
          kind: h.kind,
          index: h.index,
          why: h.why,
          action: h.action,
          dryRun: h.dryRun,
          allowlisted: h.allowlisted,
        }));
        process.stdout.write(`${terminalSafeJson(JSON.stringify({ commands, statements, problems: verdict.problems, matches, verdict }))}\n`);
        process.exitCode = exitCodeFor(verdict);
        return;
      }
      const paint = painter(colorEnabled());
      const out: string[] = [];

      out.push(`${paint('bold', 'line')}        ${p_(verdict.redacted) || paint('dim', '(empty)')}`);
      out.push(`${paint('bold', 'environment')} ${productionLine(verdict, paint)}`);
      out.push('', paint('bold', `simple commands (${parsed.commands.length})`));
      parsed.commands.forEach((c, i) => {
        const via = `${c.origin ? `  at ${show(c.origin)}` : ''}${c.via.length ? `  via ${show(c.via.join(' > '))}` : ''}`;
        const flags = [
          c.dynamicName ? 'program computed at run time' : '',
          Object.keys(c.assignments).length ? `sets ${show(Object.keys(c.assignments).join(', '))}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        out.push(
          `  ${i + 1}. ${paint('cyan', show(c.name) || '(none)')}  ${show(c.source)}${paint('dim', via)}${flags ? paint('dim', `  (${flags})`) : ''}`,
        );
      });
      if (parsed.statements.length) {
        out.push('', paint('bold', `statements (${parsed.statements.length})`));
        parsed.statements.forEach((s, i) => out.push(`  ${i + 1}. ${s.dialect} -> ${show(s.client)}: ${show(s.text)}`));
      }
      out.push('', paint('bold', `matches (${hits.length})`));
      if (!hits.length) out.push(paint('dim', '  no rule matched'));
      for (const h of hits) {
        const m = h.result;
        const where = h.index < 0 ? 'the whole line' : `${h.kind} ${h.index + 1}`;
        const notes = [h.dryRun ? 'dry run' : '', h.allowlisted ? 'allowlisted' : ''].filter(Boolean).join(', ');
        out.push(`  ${where} -> ${paint('bold', p_(m.rule))} (${m.severity}, policy: ${h.action}${notes ? `; ${notes}` : ''})`);
        out.push(`    matched: ${p_(m.command)}`);
        out.push(`    reason:  ${p_(m.reason)}`);
        out.push(`    because: ${show(h.why.join('; '))}`);
        out.push(`    target:  ${p_(m.target ?? '-')}   phrase: ${p_(m.confirm)}`);
        out.push(`    instead: ${p_(m.alternative)}`);
        const dry = dryRunText(m.dryRun);
        if (m.dryRun.prefixSet && m.dryRun.prefix === 'ignored') out.push('    DRY_RUN: ignored here (this program reads no DRY_RUN variable)');
        if (dry) out.push(`    ${p_(dry)}`);
      }
      // (files the line runs that were not read are noted as `<file>: not read: <why>`, engine/reach/)
      for (const p of verdict.problems) out.push(`  ${paint('yellow', / not read: |^reach: /.test(p) ? 'note' : 'parse problem')}: ${p_(p)}`);
      out.push(
        '',
        `${paint('bold', 'verdict')}     ${verdict.verdict}${verdict.confirm ? ` (type ${p_(JSON.stringify(verdict.confirm))})` : ''}${verdict.dryRun ? ' (dry run)' : ''}`,
      );
      if (!verdict.production.active && hits.length) {
        const inProd = engine.evaluate({ ...input, env: { ...input.env, PRODGUARD_ENV: 'production', PRODGUARD_DISABLE: undefined } });
        out.push(`in production: ${inProd.verdict}${inProd.confirm ? ` (type ${p_(JSON.stringify(inProd.confirm))})` : ''}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
      process.exitCode = exitCodeFor(verdict);
    });
}
