import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flavorOf, isStatementComplete, scanSql, splitStatements, splitStatementsAt } from '../../daemon/engine/sql/split.js';

describe('splitStatements: sql', () => {
  it('splits on ; outside literals, strips comments, collapses whitespace', () => {
    expect(splitStatements("DROP TABLE a;\n\n  DELETE   FROM b -- all of it\n WHERE x = 'a;  b' ; /* c; */ SELECT 1;", 'sql')).toEqual([
      'DROP TABLE a',
      "DELETE FROM b WHERE x = 'a;  b'",
      'SELECT 1',
    ]);
  });
  it('keeps string literals, quoted identifiers and doubled quotes intact', () => {
    expect(splitStatements(`INSERT INTO "we;ird" VALUES ('it''s; ok', "x")`, 'sql')).toEqual([`INSERT INTO "we;ird" VALUES ('it''s; ok', "x")`]);
  });
  it('returns an unterminated last statement', () => {
    expect(splitStatements('SELECT 1; DROP TABLE t', 'sql')).toEqual(['SELECT 1', 'DROP TABLE t']);
    expect(splitStatements("SELECT 'open", 'sql')).toEqual(["SELECT 'open"]);
  });
  it('postgres: dollar quotes, nested comments, E-strings; $1 is not a quote', () => {
    const fn = 'CREATE FUNCTION f() RETURNS void AS $body$ BEGIN DELETE FROM t; END $body$ LANGUAGE plpgsql';
    expect(splitStatements(`${fn}; DROP TABLE u;`, 'sql', 'postgres')).toEqual([fn, 'DROP TABLE u']);
    expect(splitStatements('DO $$ BEGIN PERFORM 1; END $$; SELECT 2', 'sql', 'postgres')).toEqual(['DO $$ BEGIN PERFORM 1; END $$', 'SELECT 2']);
    expect(splitStatements('/* a /* b; */ c; */ DROP TABLE t;', 'sql', 'postgres')).toEqual(['DROP TABLE t']);
    expect(splitStatements("SELECT E'a\\'; b'; SELECT 2", 'sql', 'postgres')).toEqual(["SELECT E'a\\'; b'", 'SELECT 2']);
    // standard strings: a backslash does not escape, so the DROP is a statement of its own
    expect(splitStatements("SELECT '\\'; DROP TABLE x;", 'sql', 'postgres')).toEqual(["SELECT '\\'", 'DROP TABLE x']);
    expect(splitStatements('PREPARE p AS DELETE FROM t WHERE id = $1; EXECUTE p(1)', 'sql', 'postgres')).toEqual([
      'PREPARE p AS DELETE FROM t WHERE id = $1',
      'EXECUTE p(1)',
    ]);
  });
  it('psql: `;` inside parentheses or a BEGIN ATOMIC body does not end the statement', () => {
    expect(splitStatements('CREATE RULE r AS ON INSERT TO t DO ALSO (DELETE FROM a; DELETE FROM b); DROP TABLE t;', 'sql', 'postgres')).toEqual([
      'CREATE RULE r AS ON INSERT TO t DO ALSO (DELETE FROM a; DELETE FROM b)',
      'DROP TABLE t',
    ]);
    const fn = 'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT CASE WHEN true THEN 1 END; END';
    expect(splitStatements(`${fn}; DROP TABLE t;`, 'sql', 'postgres')).toEqual([fn, 'DROP TABLE t']);
    // BEGIN as a transaction is not a body
    expect(splitStatements('BEGIN; DELETE FROM t; END;', 'sql', 'postgres')).toEqual(['BEGIN', 'DELETE FROM t', 'END']);
    expect(isStatementComplete('CREATE RULE r AS ON INSERT TO t DO ALSO (DELETE FROM a;', 'sql', 'postgres')).toBe(false);
    // the mysql client does not track parentheses
    expect(splitStatements('SELECT (1; SELECT 2)', 'sql', 'mysql')).toEqual(['SELECT (1', 'SELECT 2)']);
  });
  it('psql backslash commands are whole lines; \\g ends a statement', () => {
    expect(splitStatements('\\c prod\nDROP TABLE t;\n\\! rm -rf /x\nSELECT 1 \\g\nSELECT 2', 'sql', 'postgres')).toEqual([
      '\\c prod',
      'DROP TABLE t',
      '\\! rm -rf /x',
      'SELECT 1',
      'SELECT 2',
    ]);
  });
  it('mysql: # comments, backslash escapes, DELIMITER, executable comments, \\G', () => {
    expect(splitStatements("DELETE FROM t; # gone\nSELECT 'a\\'; b'", 'sql', 'mysql')).toEqual(['DELETE FROM t', "SELECT 'a\\'; b'"]);
    expect(splitStatements('DELIMITER //\nCREATE PROCEDURE p() BEGIN DELETE FROM t; END//\nDELIMITER ;\nDROP TABLE x;', 'sql', 'mysql')).toEqual([
      'CREATE PROCEDURE p() BEGIN DELETE FROM t; END',
      'DROP TABLE x',
    ]);
    expect(splitStatements('/*!40000 DROP TABLE t */;', 'sql', 'mysql')).toEqual(['DROP TABLE t']);
    expect(splitStatements('SELECT 1\\G SELECT 2;', 'sql', 'mysql')).toEqual(['SELECT 1', 'SELECT 2']);
    // `--` needs a following space in mysql
    expect(splitStatements('SELECT 1--1;', 'sql', 'mysql')).toEqual(['SELECT 1--1']);
  });
  it('sqlite dot-commands are whole lines', () => {
    expect(splitStatements('.mode csv\n.shell rm -rf /x\nDROP TABLE t;', 'sql', 'sqlite')).toEqual(['.mode csv', '.shell rm -rf /x', 'DROP TABLE t']);
  });
  it('flavorOf maps clients', () => {
    expect([flavorOf('/usr/bin/psql'), flavorOf('mariadb'), flavorOf('sqlite3'), flavorOf('cqlsh')]).toEqual([
      'postgres',
      'mysql',
      'sqlite',
      'generic',
    ]);
  });
});

describe('splitStatements: redis and mongo', () => {
  it('redis: one command per line, quotes kept', () => {
    expect(splitStatements('FLUSHALL\n\n  SET  k   "a  b"\r\nDEL k ', 'redis')).toEqual(['FLUSHALL', 'SET k "a  b"', 'DEL k']);
  });
  it('mongo: ; and statement-ending newlines at top level', () => {
    expect(splitStatements('use app; db.dropDatabase()\ndb.users.deleteMany({\n  a: 1\n})', 'mongo')).toEqual([
      'use app',
      'db.dropDatabase()',
      'db.users.deleteMany({ a: 1 })',
    ]);
    expect(splitStatements('db.users\n  .find({})\n  .forEach(d => db.x.remove(d)) // go\n/* c */ db.y.drop();', 'mongo')).toEqual([
      'db.users .find({}) .forEach(d => db.x.remove(d))',
      'db.y.drop()',
    ]);
    expect(splitStatements('db.x.insertOne({ s: "a;\\"b\\n", t: `c;d` }); db.z.drop()', 'mongo')).toEqual([
      'db.x.insertOne({ s: "a;\\"b\\n", t: `c;d` })',
      'db.z.drop()',
    ]);
  });
});

describe('isStatementComplete', () => {
  it.each([
    ['DROP TABLE t;', 'postgres', true],
    ['DROP TABLE t; -- done', 'postgres', true],
    ['DROP TABLE t', 'postgres', false],
    ['SELECT 1; SELECT', 'postgres', false],
    ["SELECT ';", 'postgres', false],
    ["SELECT ';';", 'postgres', true],
    ['DO $$ BEGIN; ', 'postgres', false],
    ['DO $$ BEGIN; END $$;', 'postgres', true],
    ['/* ; ', 'postgres', false],
    ['\\dt', 'postgres', true],
    ['\\i drop.sql\n', 'postgres', true],
    ['SELECT 1 \\g', 'postgres', true],
    ['-- only a comment', 'postgres', false],
    ['', 'postgres', false],
    ['.tables', 'sqlite', true],
    ['DELETE FROM t\n', 'sqlite', false],
    ["SELECT 'a\\';", 'mysql', false],
    ["SELECT 'a\\'';", 'mysql', true],
    ['DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END', 'mysql', false],
    ['DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //', 'mysql', true],
  ] as const)('sql %j (%s) -> %s', (buffer, flavor, expected) => {
    expect(isStatementComplete(buffer, 'sql', flavor)).toBe(expected);
  });
  it('redis and mongo', () => {
    expect(isStatementComplete('FLUSHALL', 'redis')).toBe(true);
    expect(isStatementComplete('  \n', 'redis')).toBe(false);
    expect(isStatementComplete('db.dropDatabase()', 'mongo')).toBe(true);
    expect(isStatementComplete('db.users.deleteMany({', 'mongo')).toBe(false);
    expect(isStatementComplete('db.x.insertOne({a: "}', 'mongo')).toBe(false);
  });
  it('scanSql hands back the pending rest for streaming', () => {
    expect(scanSql('DROP TABLE a; DELETE\n FROM', 'postgres')).toEqual({
      statements: ['DROP TABLE a'],
      starts: [0],
      rest: 'DELETE FROM',
      restStart: 14,
      open: false,
    });
  });
  it('splitStatementsAt says where each statement starts (for file:line)', () => {
    const text = "-- header; not a statement\nSELECT 1;\n\n  /* x; */ DROP TABLE t;\n\\c other\nDELETE FROM 'a;b'";
    const r = splitStatementsAt(text, 'sql', 'postgres');
    expect(r.texts()).toEqual(['SELECT 1', 'DROP TABLE t', '\\c other', "DELETE FROM 'a;b'"]);
    expect(Array.from(r.startOffsets(), (at) => text.slice(at, at + 6))).toEqual(['SELECT', 'DROP T', '\\c oth', 'DELETE']);
    const redis = 'SET a 1\n\n  FLUSHALL\n';
    const r2 = splitStatementsAt(redis, 'redis');
    expect({ texts: r2.texts(), starts: Array.from(r2.startOffsets()) }).toEqual({ texts: ['SET a 1', 'FLUSHALL'], starts: [0, 9] });
    const js = 'db.a.find()\n// gone\ndb.dropDatabase()';
    expect(Array.from(splitStatementsAt(js, 'mongo').startOffsets(), (at) => js.slice(at, at + 5))).toEqual(['db.a.', 'db.dr']);
  });
  it('the splitter is linear and normalizes a 1 MB file of one-line statements span by span', () => {
    let sql = '';
    for (let i = 0; sql.length < 1_000_000; i++) sql += `INSERT INTO items VALUES (${i}, 'name  ${i}');\n`;
    const r = splitStatementsAt(`${sql}DROP\tTABLE  users;\n`, 'sql', 'postgres');
    expect(r.text(r.length - 1)).toBe('DROP TABLE users');
    expect(r.text(7)).toBe("INSERT INTO items VALUES (7, 'name  7')");
    expect(r.length).toBe(sql.split('\n').length);
  });
});

// The whole-statement step (a statement already normal to its `;` taken in one slice) must give
// exactly what the token scanner gives: random texts from the fragments that change where a
// statement ends or how it is normalized, compared flavor by flavor.
describe('scanSql: the whole-statement step agrees with the token scanner', () => {
  const fragments = [
    'INSERT INTO t VALUES (1, 2)',
    'select',
    'x',
    'C',
    'create',
    'CREATE FUNCTION f() RETURNS int BEGIN ATOMIC',
    'CREATE TRIGGER tr AFTER INSERT ON t BEGIN',
    'END',
    'BEGIN',
    'case',
    "'x' ",
    '_',
    '1',
    'DELIMITER //\n',
    '//',
    ';',
    ';',
    ';',
    ' ',
    ' ',
    '  ',
    '\n',
    '\t',
    '\r\n',
    "'a;b'",
    "'it''s'",
    "E'\\';",
    "'\\'",
    '"q;"',
    '`b;`',
    '[s;]',
    '$$',
    '$1',
    '$f$',
    '-- c;\n',
    '--x',
    '-',
    '/* k; */',
    '/*!50000 ',
    '*/',
    '*',
    '/',
    '#h;\n',
    '(',
    ')',
    '((',
    '))',
    '\\g',
    '\\c db\n',
    '.read f\n',
    'é',
    '\u00a0',
    "'open",
    '/* open',
  ];
  // mulberry32: a fixed seed, so a failure names a text that fails again
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) % n;
  };
  const flavors = ['postgres', 'mysql', 'sqlite', 'generic'] as const;
  it('on 4,000 random texts per flavor', () => {
    const texts: string[] = [];
    for (let t = 0; t < 4000; t++) {
      let text = '';
      for (let k = 1 + next(24); k > 0; k--) text += fragments[next(fragments.length)];
      texts.push(text);
    }
    for (const flavor of flavors) {
      for (const text of texts) {
        expect({ flavor, text, scan: scanSql(text, flavor) }).toEqual({ flavor, text, scan: scanSql(text, flavor, { wholeStatements: false }) });
      }
    }
  });
  it('takes the usual one-line statement whole, and leaves the rest to the tokens', () => {
    const text = "INSERT INTO a VALUES (1, 'x;y');\nUPDATE b SET c = -1 / 2 * 3;\nSELECT  2;\nDELETE FROM c -- all\n;";
    for (const flavor of flavors) {
      expect(scanSql(text, flavor).statements).toEqual([
        "INSERT INTO a VALUES (1, 'x;y')",
        'UPDATE b SET c = -1 / 2 * 3',
        'SELECT 2',
        'DELETE FROM c',
      ]);
    }
  });
});

// The real client decides what a statement is: sqlite3 runs each statement we split out, one by one,
// and must end with the same database as when it runs the whole script.
describe('agreement with a real sqlite3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-split-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (db: string, sql: string): string => execFileSync('sqlite3', [join(dir, db)], { input: sql, encoding: 'utf8' });

  it('split statements replay to the same state', () => {
    const script = [
      'CREATE TABLE t(a TEXT, "b;c" TEXT); -- make it',
      "INSERT INTO t VALUES ('x;y', 'it''s'), ('/* no */', '-- no');",
      "/* a comment; with a semicolon */ INSERT INTO t VALUES ('z', 'w');",
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = a || ';' WHERE a = 'q'; END;",
      "INSERT INTO t VALUES ('q', '1');",
      "DELETE FROM t WHERE a = 'z';",
    ].join('\n');
    const whole = run('whole.db', script + '\nSELECT * FROM t ORDER BY 1;');
    const parts = splitStatements(script, 'sql', 'sqlite');
    for (const p of parts) run('parts.db', p + ';');
    expect(run('parts.db', 'SELECT * FROM t ORDER BY 1;')).toBe(whole);
    expect(parts).toHaveLength(6);
    expect(parts[3]).toBe("CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = a || ';' WHERE a = 'q'; END");
  });
});
