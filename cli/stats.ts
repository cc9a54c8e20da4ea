import type { Command } from 'commander';
import type { Count, Stats } from '../daemon/store/index.js';
import { timeRangeOptions, withAudit, writeJson } from './audit-db.js';
import { bar, sparkline } from './output/chart.js';
import { colorEnabled, painter, type Painter } from './output/color.js';
import { renderTable } from './output/table.js';
import { formatTime } from './output/time.js';

// `prodguard stats`: what happened in production shells, counted per decision, severity, rule,
// user and day, with a sparkline of daily activity. Reads the database directly.

const TOP = 10;
const BAR_WIDTH = 30;
const DAY_BARS = 14;

function section(title: string, counts: Count[], paint: Painter, limit = TOP): string {
  if (!counts.length) return '';
  const shown = counts.slice(0, limit);
  const max = Math.max(...shown.map((c) => c.count));
  const table = renderTable(
    [
      { header: title, value: (c: Count) => c.key, max: 40 },
      { header: 'COUNT', value: (c: Count) => c.count.toLocaleString('en-US'), align: 'right' },
      { header: '', value: (c: Count) => bar(c.count, max, BAR_WIDTH), style: () => 'cyan' },
    ],
    shown,
    { paint },
  );
  const more = counts.length > limit ? `  (${counts.length - limit} more)\n` : '';
  return `\n${table}${more}`;
}

export function renderStats(s: Stats, paint: Painter): string {
  const span = `${s.since === null ? 'the beginning' : formatTime(s.since)} .. ${s.until === null ? 'now' : formatTime(s.until)}`;
  const out = [
    `${paint('bold', `${s.commands.toLocaleString('en-US')} commands`)} in ${s.sessions.toLocaleString('en-US')} production session${s.sessions === 1 ? '' : 's'}, ${s.failed.toLocaleString('en-US')} failed  (${span})\n`,
  ];
  if (s.byDay.length) {
    const first = s.byDay[0]!.key;
    const last = s.byDay[s.byDay.length - 1]!.key;
    out.push(
      `\nactivity per day  ${paint('cyan', sparkline(s.byDay.map((d) => d.count)))}  ${first} .. ${last}, peak ${Math.max(...s.byDay.map((d) => d.count))}/day\n`,
    );
  }
  out.push(section('DECISION', s.byDecision, paint));
  out.push(section('SEVERITY', s.bySeverity, paint));
  out.push(section('RULE', s.byRule, paint));
  out.push(section('USER', s.byUser, paint));
  out.push(section('DAY', s.byDay.slice(-DAY_BARS), paint, DAY_BARS));
  return out.join('');
}

export function register(program: Command): void {
  timeRangeOptions(program.command('stats'))
    .description('Count audited commands per decision, severity, rule, user and day')
    .option('--json', 'print the counts as JSON')
    .action((o: { since?: number; until?: number; json?: boolean }) =>
      withAudit({ readonly: true }, (store) => {
        const s = store.stats({ since: o.since, until: o.until });
        if (o.json) writeJson(s);
        else process.stdout.write(renderStats(s, painter(colorEnabled(process.stdout))));
      }),
    );
}
