import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAssembler, jsComplete, type Assembler, type Unit } from '../../cli/wrap/assemblers.js';
import { EchoScreen, MiniTerm } from '../../cli/wrap/echo-screen.js';
import { splitKeys } from '../../cli/wrap/keys.js';
import { LineShadow } from '../../cli/wrap/line-shadow.js';

// The pieces of `wrap` that need no client: how each client's input is reassembled into what it
// acts on, the shadow of the edited line, and reading a line editor's redraw off the screen.

/** Feeds lines (committing each, as when the Enter is sent) and returns the units per line. */
function feedAll(a: Assembler, lines: string[]): Unit[][] {
  return lines.map((l) => {
    const fed = a.feed(l);
    fed.commit();
    return fed.units;
  });
}

const texts = (units: Unit[]): string[] => units.map((u) => `${u.kind}:${u.text}`);

describe('psql assembler', () => {
  const psql = (): Assembler => createAssembler('/usr/bin/psql', '/')!;

  it('acts at the line that completes a statement, with the whole statement', () => {
    expect(feedAll(psql(), ['DROP', 'TABLE t', ';']).map(texts)).toEqual([[], [], ['statement:DROP\nTABLE t']]);
  });

  it('ignores ; inside quotes, dollar quotes, comments and parentheses', () => {
    const a = psql();
    expect(feedAll(a, ["SELECT 'a;b', $x$ ; $x$, /* ; */ 1 -- ;", 'FROM (SELECT 1; ) s', ';']).map(texts)).toEqual([
      [],
      [],
      ["statement:SELECT 'a;b', $x$ ; $x$, /* ; */ 1 \nFROM (SELECT 1; ) s"],
    ]);
  });

  it('splits several statements on one line and sends the buffer on \\g', () => {
    expect(texts(psql().feed('SELECT 1; DROP TABLE t;').units)).toEqual(['statement:SELECT 1', 'statement:DROP TABLE t']);
    expect(texts(psql().feed('DROP TABLE t \\g').units)).toEqual(['statement:DROP TABLE t']);
  });

  it('turns \\! and \\o |cmd into shell units and reads \\i files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-wrap-unit-'));
    try {
      writeFileSync(join(dir, 's.sql'), 'SELECT 1;\nDROP DATABASE prod;\n');
      const a = createAssembler('psql', dir)!;
      expect(texts(a.feed('\\! rm -rf /data').units)).toEqual(['shell:rm -rf /data']);
      expect(texts(a.feed('\\o | sh -c x').units)).toEqual(['shell:sh -c x']);
      expect(texts(a.feed('\\i s.sql').units)).toEqual(['statement:SELECT 1', 'statement:DROP DATABASE prod']);
      // \e runs what the editor saves: nothing to evaluate, so it is flagged as opaque.
      expect(texts(a.feed('\\e').units)).toEqual(['opaque:\\e']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets the buffer on Ctrl-C; an uncommitted feed changes nothing', () => {
    const a = psql();
    a.feed('DROP').commit();
    a.interrupted();
    expect(a.idle()).toBe(true);
    a.feed('DROP TABLE');
    expect(a.idle()).toBe(true);
    expect(a.abortKeys()).toBe('\x03');
  });
});

describe('sqlite3 assembler', () => {
  const sqlite = (): Assembler => createAssembler('sqlite3', '/')!;

  it('handles dot-commands only with an empty buffer', () => {
    const a = sqlite();
    expect(texts(a.feed('.shell rm -rf x').units)).toEqual(['shell:rm -rf x']);
    expect(texts(a.feed('.system ls').units)).toEqual(['shell:ls']);
    expect(texts(a.feed('.tables').units)).toEqual([]);
    a.feed('SELECT').commit();
    expect(texts(a.feed('.shell x;').units)).toEqual(['statement:SELECT\n.shell x']);
  });

  it('keeps a trigger body together until END;', () => {
    expect(feedAll(sqlite(), ['CREATE TRIGGER x AFTER INSERT ON t BEGIN', 'DELETE FROM u;', 'END;']).map((u) => u.length)).toEqual([0, 0, 1]);
  });

  it('neutralises a buffered unfinished statement: erase the line, close quotes, fail to parse', () => {
    const a = sqlite();
    expect(a.abortKeys()).toBe('\x05\x15\r');
    a.feed("DROP TABLE 'x").commit();
    expect(a.abortKeys()).toBe("\x05\x15' !;\r");
    a.reset();
    expect(a.idle()).toBe(true);
  });

  it('keeps the buffer on Ctrl-C (sqlite3 does)', () => {
    const a = sqlite();
    a.feed('DROP').commit();
    a.interrupted();
    expect(a.idle()).toBe(false);
    expect(a.interruptClearsLine).toBe(false);
  });
});

describe('mysql, redis-cli and mongosh assemblers', () => {
  it('mysql: DELIMITER, \\G, system, backslash escapes in strings', () => {
    const a = createAssembler('mysql', '/')!;
    expect(feedAll(a, ['DELIMITER //', 'DROP TABLE t; //', 'DELIMITER ;']).map(texts)).toEqual([[], ['statement:DROP TABLE t;'], []]);
    expect(texts(a.feed("SELECT 'a\\';' \\G").units)).toEqual(["statement:SELECT 'a\\';'"]);
    expect(texts(a.feed('system rm -rf /').units)).toEqual(['shell:rm -rf /']);
  });

  it('redis-cli: one command per line', () => {
    const a = createAssembler('redis-cli', '/')!;
    expect(texts(a.feed('FLUSHALL').units)).toEqual(['statement:FLUSHALL']);
    expect(a.feed('   ').units).toEqual([]);
  });

  it('mongosh: a call completes when brackets and strings balance', () => {
    const a = createAssembler('mongosh', '/')!;
    expect(feedAll(a, ['db.users.deleteMany({', '  note: "})"', '})']).map(texts)).toEqual([
      [],
      [],
      ['statement:db.users.deleteMany({\n  note: "})"\n})'],
    ]);
    expect(jsComplete('db.dropDatabase()')).toBe(true);
    expect(jsComplete('db.x.find({a: `${')).toBe(false);
  });

  it('unknown clients are not guessed at', () => {
    expect(createAssembler('bash', '/')).toBeNull();
  });
});

describe('line shadow', () => {
  const typed = (keys: string): LineShadow => {
    const s = new LineShadow();
    for (const k of splitKeys(keys)) s.apply(k);
    return s;
  };

  it('follows printable keys and the certain editing keys', () => {
    expect(typed('DROP TABLX\x7fE t').text).toBe('DROP TABLE t');
    expect(typed('abc def\x17xyz').text).toBe('abc xyz');
    expect(typed('abc\x15DROP').text).toBe('DROP');
    expect(typed('ac\x1b[Db').text).toBe('abc');
    expect(typed('bc\x01a\x05d').text).toBe('abcd');
    expect(typed('abc\x01\x0b').text).toBe('');
    expect(typed('héllo ✓').text).toBe('héllo ✓');
  });

  it('becomes uncertain on history, completion and search keys', () => {
    for (const k of ['\x1b[A', '\t', '\x12', '\x10', '\x19', '\x1bb']) expect(typed(`x${k}`).certain).toBe(false);
    expect(typed('abc').certain).toBe(true);
  });

  it('takes newlines inside a bracketed paste as text', () => {
    const s = typed('\x1b[200~DROP\rTABLE t;\x1b[201~');
    expect(s.text).toBe('DROP\nTABLE t;');
    expect(s.pasting).toBe(false);
  });
});

describe('echo screen (MiniTerm)', () => {
  it('reads a readline redraw after history recall', () => {
    const t = new MiniTerm(80);
    t.write('sqlite> ');
    const [row, col] = [t.row, t.col];
    // typed "SELECT", then Up recalled "DROP TABLE t;": readline backs up and rewrites.
    t.write('SELECT');
    t.write('\b\b\b\b\b\bDROP TABLE t;\x1b[K');
    expect(t.textFrom(row, col)).toBe('DROP TABLE t;');
  });

  it('follows CR + prompt redraws, deletes and wrapped lines', () => {
    const t = new MiniTerm(20);
    t.write('db=# ');
    t.write('abcdef\r\x1b[Kdb=# DROP TABLE users_backup;');
    expect(t.textFrom(0, 5)).toBe('DROP TABLE users_backup;');
    const u = new MiniTerm(80);
    u.write('> ');
    u.write('DROPX TABLE\x1b[7D\x1b[P');
    expect(u.textFrom(0, 2)).toBe('DROP TABLE');
    // A space exactly at the wrap column is kept.
    const w = new MiniTerm(10);
    w.write('> ');
    w.write('DROP TAB LE x');
    expect(w.textFrom(0, 2)).toBe('DROP TAB LE x');
  });

  it('reads the line after a long row redrawn in place without a newline (row kept to its tail)', () => {
    const s = new EchoScreen(80);
    s.output('SQLite version 3\r\n');
    // Ctrl-U redraws: 50k characters on one row, never a newline.
    for (let i = 0; i < 4000; i++) s.output(i % 2 ? 'sqlite> abcd' : '\r\x1b[K');
    s.output('\r\x1b[Ksqlite> ');
    s.markInputStart();
    s.output('SEL');
    s.output('\r\x1b[Ksqlite> DROP TABLE t;');
    expect(s.text()).toBe('DROP TABLE t;');
  });
});
