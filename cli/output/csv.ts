import { printable } from './text.js';

// CSV as RFC 4180 writes it: CRLF line ends; a field holding a comma, quote, CR or LF is quoted
// and its quotes doubled. null is an empty field.
// Formula injection (OWASP "CSV Injection"): a text cell starting with `=`, `+`, `-`, `@`, tab or
// CR is a formula to a spreadsheet (`=cmd|' /C calc'!A0`); it gets a leading `'` and is quoted, so
// the spreadsheet shows the text and runs nothing. Numbers we produce are left as they are.
// On a terminal (`visible`), control characters are shown as escapes instead of driving it.

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /** Render control characters visibly (stdout is a terminal). */
  visible?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(v: CsvValue, opts: CsvOptions = {}): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const formula = FORMULA_START.test(v);
  const text = formula ? `'${v}` : v;
  const s = opts.visible ? printable(text) : text;
  return formula || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[], opts: CsvOptions = {}): string {
  return values.map((v) => csvField(v, opts)).join(',') + '\r\n';
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[], opts: CsvOptions = {}): string {
  return csvLine(header, opts) + rows.map((r) => csvLine(r, opts)).join('');
}
