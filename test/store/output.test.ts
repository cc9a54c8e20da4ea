import { describe, expect, test } from 'vitest';
import { bar, sparkline } from '../../cli/output/chart.js';
import { colorEnabled, painter, stripAnsi } from '../../cli/output/color.js';
import { csvField, toCsv } from '../../cli/output/csv.js';
import { renderTable } from '../../cli/output/table.js';
import { formatDuration, parseWhen } from '../../cli/output/time.js';

describe('parseWhen', () => {
  const now = new Date(2026, 2, 10, 15, 30, 0); // local time
  test.each<[string, number]>([
    ['30m', now.getTime() - 30 * 60_000],
    ['2h', now.getTime() - 2 * 3_600_000],
    ['7d', now.getTime() - 7 * 86_400_000],
    ['1w', now.getTime() - 7 * 86_400_000],
    ['now', now.getTime()],
    ['today', new Date(2026, 2, 10).getTime()],
    ['yesterday', new Date(2026, 2, 9).getTime()],
    ['2026-02-28', new Date(2026, 1, 28).getTime()],
    ['2026-03-01T08:15', new Date(2026, 2, 1, 8, 15).getTime()],
    ['2026-03-01 08:15:30', new Date(2026, 2, 1, 8, 15, 30).getTime()],
    ['2026-03-01T08:15:30.250Z', Date.UTC(2026, 2, 1, 8, 15, 30, 250)],
    ['2026-03-01T08:15:30+02:00', Date.UTC(2026, 2, 1, 6, 15, 30)],
    ['2026-03-01T08:15-0530', Date.UTC(2026, 2, 1, 13, 45)],
  ])('%s', (text, want) => expect(parseWhen(text, now)).toBe(want));

  test.each(['2026-13-45', '2026-02-30', '2026-02-28T24:00', '2026-01-01T10:61', 'tomorrow', '', '-2h', '2026/03/01'])('rejects %j', (text) => {
    expect(() => parseWhen(text, now)).toThrow(/not a (real date|time)/);
  });
});

test('formatDuration', () => {
  expect([850, 4200, 184_000, 7_500_000].map(formatDuration)).toEqual(['850ms', '4.2s', '3m04s', '2h05m']);
  expect(formatDuration(null)).toBe('');
});

test('csv quotes exactly the fields that need it', () => {
  expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', null, 3].map((v) => csvField(v))).toEqual([
    'plain',
    '"a,b"',
    '"say ""hi"""',
    '"two\nlines"',
    '"cr\r"',
    '',
    '3',
  ]);
  expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
});

test('colour follows NO_COLOR, FORCE_COLOR and the terminal', () => {
  expect(colorEnabled({ isTTY: true }, {})).toBe(true);
  expect(colorEnabled({ isTTY: false }, {})).toBe(false);
  expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  expect(painter(true)(['red', 'bold'], 'x')).toBe('\x1b[31m\x1b[1mx\x1b[22m\x1b[39m');
  expect(painter(false)('red', 'x')).toBe('x');
});

test('tables align by visible width with colour, escape control characters, cut to fit', () => {
  const rows = [
    { a: 'short', b: 'x\x1b]0;pwned\x07' },
    { a: 'a much longer cell', b: 'y' },
  ];
  const cols = [
    { header: 'A', value: (r: (typeof rows)[0]) => r.a, style: () => 'red' as const },
    { header: 'B', value: (r: (typeof rows)[0]) => r.b },
  ];
  const coloured = renderTable(cols, rows, { paint: painter(true) });
  expect(coloured).not.toContain('\x1b]0;');
  const plain = stripAnsi(coloured).split('\n');
  expect(plain[0]).toBe('A                   B');
  expect(plain[1]).toBe('short               x\\x1b]0;pwned\\x07');
  expect(plain[2]).toBe('a much longer cell  y');
  const cut = renderTable(cols, [{ a: 'a', b: 'b'.repeat(50) }], { maxWidth: 20 }).split('\n')[1]!;
  expect(cut).toBe('a  ' + 'b'.repeat(16) + '…');
});

test('charts', () => {
  expect(sparkline([0, 1, 4, 8])).toBe(' ▁▄█');
  expect(bar(10, 10, 4)).toBe('████');
  expect(bar(1, 100, 4)).toBe('▏');
  expect(bar(0, 10)).toBe('');
});
