import { spawnSync } from 'node:child_process';
import { spawn as spawnPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../cli/output/csv.js';
import { printable } from '../../cli/output/text.js';
import { createEngine } from '../../daemon/engine/index.js';
import { verdictMessage } from '../../daemon/engine/verdict/message.js';
import { check, decision, finish, session } from '../daemon/requests.js';
import { cliMain, homeEnv, startDaemon, tempHome, type TestDaemon } from '../helpers/daemon.js';
import { poll } from '../helpers/rsyslog.js';
import { PROD, config } from './helpers.js';

// What prodguard prints back (issue #14 part 5): terminal escapes in a command line are shown
// visibly wherever output goes to a terminal (check, explain, log table and CSV, the hook's
// message), and `log --csv` neutralises spreadsheet formulas the OWASP way. The CLI runs for real,
// on a real pseudo-terminal (node-pty) where a terminal is the point, and through a pipe otherwise.

/** Pasted bytes inside quotes (a `;` outside them would end the command). */
const ESC_LINE = "rm -rf '/srv/\x1b]0;owned\x07data\x1b[2J\x9b31m'";
/** Raw control bytes a terminal would act on: C0 except \r\n (the pty's own line ends), DEL, C1. */
const RAW_CONTROL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

function onTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve) => {
    const p = spawnPty(process.execPath, [cliMain, ...args], {
      cols: 400,
      rows: 50,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } as Record<string, string>,
    });
    let out = '';
    p.onData((d) => (out += d));
    p.onExit(() => resolve(out));
  });
}

describe('CSV formula cells (OWASP CSV injection)', () => {
  it.each([
    ["=cmd|' /C calc'!A0", `"'=cmd|' /C calc'!A0"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('%j is written %s', (cell, written) => expect(csvField(cell)).toBe(written));

  it('leaves ordinary cells and the numbers prodguard writes as they are', () => {
    expect(csvLine(['rm -rf /x', 'a,b', 'say "hi"', -1, 0, null, 'x=1'])).toBe('rm -rf /x,"a,b","say ""hi""",-1,0,,x=1\r\n');
  });

  it('on a terminal, control characters are shown instead of sent', () => {
    expect(csvField('a\x1b]0;t\x07b', { visible: true })).toBe('a\\x1b]0;t\\x07b');
    expect(csvField('=x\x1b', { visible: true })).toBe(`"'=x\\x1b"`);
    expect(csvField('a\x1bb')).toBe('a\x1bb');
  });
});

describe('control characters are shown visibly', () => {
  it('printable covers C0, DEL, C1, line separators and bidi overrides', () => {
    expect(printable('a\x1b[31mb\x07c\x7fd\x9be\u2028f\u202eg\n\t\r')).toBe('a\\x1b[31mb\\x07c\\x7fd\\x9be\\u2028f\\u202eg\\n\\t\\r');
  });

  it("the hook's message (built by the daemon) holds no raw escape from the line", () => {
    const v = createEngine(config()).evaluate({ line: ESC_LINE, env: PROD, cwd: '/' });
    expect(v.verdict).toBe('confirm');
    const text = verdictMessage(v);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('\\x1b]0;owned\\x07data');
    // The phrase the hook prints and the user types: visible, and typable.
    expect(v.confirm).toBe('\\x1b]0;owned\\x07data\\x1b[2J\\x9b31m');
  });

  it.each([[['check', '--env', 'production', '--', ESC_LINE]], [['explain', '--env', 'production', '--', ESC_LINE]]])(
    'prodguard %j on a terminal',
    async (args) => {
      const home = tempHome();
      const out = await onTerminal(args, { PRODGUARD_HOME: home });
      expect(out).toContain('\\x1b]0;owned\\x07data\\x1b[2J\\x9b31m');
      expect(out).not.toMatch(RAW_CONTROL);
    },
  );

  it('check --json escapes C1 too (JSON.stringify leaves 0x9b raw)', () => {
    const r = spawnSync(process.execPath, [cliMain, 'check', '--json', '--env', 'production', '--', ESC_LINE], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', PRODGUARD_HOME: tempHome() },
    });
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(r.stdout) as { redacted: string }).redacted).toBe(ESC_LINE);
  });
});

describe('prodguard log on a terminal and in a pipe (real daemon and database)', () => {
  let d: TestDaemon;
  const lines = [ESC_LINE, "=cmd|' /C calc'!A0", '@SUM(1+1)*cmd|x', '+danger', '-2+3 && rm -rf /y'];

  beforeAll(async () => {
    d = await startDaemon({
      config: {
        rules: {
          custom: [
            {
              id: 'test.any',
              domain: 'test',
              severity: 'high',
              reason: 'r',
              alternative: 'a',
              match: { command: ['rm', "=cmd|'", '@SUM(1+1)*cmd|x', '+danger', '-2+3'] },
            },
          ],
        },
      },
    });
    expect(await d.request(session('print-1', 'start'))).toMatchObject({ ok: true });
    for (const [i, l] of lines.entries()) {
      const reply = await d.request(check('print-1', i + 1, l));
      if (reply.verdict === 'confirm')
        expect(await d.request(decision('print-1', i + 1, l, 'cancelled'))).toMatchObject({ ok: true, recorded: true });
      else await d.request(finish('print-1', i + 1, 0));
    }
  });
  afterAll(async () => {
    await d?.dispose();
  });

  const commandRows = (): number => d.rows<{ n: number }>("SELECT count(*) AS n FROM events WHERE kind = 'command' AND session = 'print-1'")[0]!.n;

  it('--csv in a pipe: formula cells neutralised, RFC 4180 otherwise', async () => {
    await poll(() => commandRows() >= lines.length, 10_000, 'the rows');
    const r = spawnSync(process.execPath, [cliMain, 'log', '--csv', '--session', 'print-1', '--limit', '100'], {
      encoding: 'utf8',
      env: homeEnv(d.home),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`"'=cmd|' /C calc'!A0"`);
    expect(r.stdout).toContain(`"'@SUM(1+1)*cmd|x"`);
    expect(r.stdout).toContain(`"'+danger"`);
    expect(r.stdout).toContain(`"'-2+3 && rm -rf /y"`);
    // No cell of the command column starts a formula unquoted.
    for (const row of r.stdout.split('\r\n').slice(1).filter(Boolean)) expect(row).not.toMatch(/(^|,)[=+\-@]/);
  });

  it('--csv and the table on a terminal show escapes, never send them', async () => {
    await poll(() => commandRows() >= lines.length, 10_000, 'the rows');
    for (const args of [
      ['log', '--csv', '--session', 'print-1'],
      ['log', '--session', 'print-1'],
    ]) {
      const out = await onTerminal(args, { PRODGUARD_HOME: d.home });
      expect(out).toContain('\\x1b]0;owned\\x07data');
      expect(out).not.toMatch(RAW_CONTROL);
    }
  });
});
