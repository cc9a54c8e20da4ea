// Splitting what a database client receives into normalized statements, for the rule matcher
// (`parseLine` feeds it `psql -c` strings, here-docs, ...) and for `prodguard wrap` (which asks
// whether a typed buffer already ends a statement).

import { scanJs } from './scan-js.js';
import { scanSql, scanSqlInto, type SqlFlavor } from './scan-sql.js';
import { StatementList } from './statement-list.js';

export { scanSql, type SqlFlavor, type SqlScan } from './scan-sql.js';
export { scanJs, type JsScan } from './scan-js.js';
export { StatementList } from './statement-list.js';

export type { Dialect } from '../../contract/enums.js';
import type { Dialect } from '../../contract/enums.js';

/** Collapses whitespace outside "..." and '...' (redis-cli's quoting); quotes kept as typed. */
function collapseQuoted(line: string): string {
  const out: string[] = [];
  let i = 0;
  let space = false;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      space = true;
      i++;
      continue;
    }
    if (space && out.length > 0) out.push(' ');
    space = false;
    let j = i + 1;
    if (c === '"' || c === "'") {
      while (j < n && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      j = Math.min(j + 1, n);
    } else {
      while (j < n && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\r' && line[j] !== '"' && line[j] !== "'") j++;
    }
    out.push(line.slice(i, j));
    i = j;
  }
  return out.join('').trim(); // an unterminated quote may end in blanks
}

function redisLines(text: string, starts?: number[]): string[] {
  const out: string[] = [];
  for (let at = 0; at <= text.length; ) {
    const e = text.indexOf('\n', at);
    const end = e < 0 ? text.length : e;
    const t = collapseQuoted(text.slice(at, end));
    if (t) {
      out.push(t);
      starts?.push(at);
    }
    at = end + 1;
  }
  return out;
}

/**
 * Normalized statements of `text`: comments stripped (`--`, `/* *\/`, and `#` for mysql),
 * whitespace collapsed outside literals, no trailing `;`. An unterminated last statement is
 * returned too (a guard must see it). redis: one command per line. mongo: split at `;` and at
 * statement-ending newlines, at top level.
 */
export function splitStatements(text: string, dialect: Dialect, flavor: SqlFlavor = 'generic'): string[] {
  if (dialect === 'redis') return redisLines(text);
  const r = dialect === 'mongo' ? scanJs(text) : scanSql(text, flavor);
  return r.rest ? [...r.statements, r.rest] : r.statements;
}

/**
 * splitStatements for a file: each statement with its offset in `text` (for `file:line` in
 * verdicts), as spans of the text where they are verbatim (StatementList).
 */
export function splitStatementsAt(text: string, dialect: Dialect, flavor: SqlFlavor = 'generic'): StatementList {
  const list = new StatementList(text);
  if (dialect === 'redis') {
    const starts: number[] = [];
    redisLines(text, starts).forEach((t, k) => list.addText(t, starts[k]!));
    return list;
  }
  if (dialect === 'mongo') {
    const r = scanJs(text);
    r.statements.forEach((t, k) => list.addText(t, r.starts[k]!));
    list.addText(r.rest, r.restStart);
    return list;
  }
  const r = scanSqlInto(list, flavor);
  list.addText(r.rest, r.restStart);
  return list;
}

/**
 * Whether a buffer typed into a client ends a statement the client would now execute:
 * sql: ends with the delimiter outside quotes/dollar-quotes/comments (a trailing comment is
 * fine), or is a psql backslash command / sqlite dot-command line; redis: any non-blank line;
 * mongo: a complete JavaScript statement (no open string, comment or bracket).
 */
export function isStatementComplete(buffer: string, dialect: Dialect, flavor: SqlFlavor = 'generic'): boolean {
  if (dialect === 'redis') return redisLines(buffer).length > 0;
  if (dialect === 'mongo') {
    const r = scanJs(buffer);
    return !r.open && (r.statements.length > 0 || r.rest !== '');
  }
  const r = scanSql(buffer, flavor);
  return !r.open && r.rest === '' && r.statements.length > 0;
}

/** The SQL flavor a client program speaks (`psql` -> postgres), for callers that know the client. */
export function flavorOf(client: string): SqlFlavor {
  const name = client.slice(client.lastIndexOf('/') + 1);
  if (name === 'psql' || name === 'pgcli' || name === 'cockroach') return 'postgres';
  if (name === 'mysql' || name === 'mariadb' || name === 'mycli' || name.startsWith('clickhouse')) return 'mysql';
  if (name.startsWith('sqlite') || name === 'duckdb') return 'sqlite';
  return 'generic';
}
