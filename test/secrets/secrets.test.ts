import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../daemon/config/load.js';
import { parseLine } from '../../daemon/engine/parse/index.js';
import { createRedactor } from '../../daemon/engine/redact/index.js';
import { check, decision, finish, session } from '../daemon/requests.js';
import { cliMain, homeEnv, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { poll, startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';

// 350+ command lines carrying passwords, tokens and keys (secrets.jsonl: {line, secret}, where
// `secret` is the exact text that must never leave the shell), by kind: URLs, options that take a
// secret (generic and per tool), user%pass and user:pass@, NAME=value, credential headers, token
// formats, text piped into --password-stdin readers. Each goes through a real daemon as a
// production shell sends it (check, decision, finish); then no secret may appear in any byte
// prodguard wrote, sent or showed: the check reply (the confirmation message and phrase the hook
// prints), the home dir (SQLite db, -wal, spool, outbox, pino log), what a real rsyslogd received,
// every Slack and signed-webhook request, and `prodguard log` (JSON and table).
// benign.txt: lookalikes (ports, digests, scopes, file-valued options) the redactor must leave as is.

interface Case {
  line: string;
  secret: string;
}
const corpus: Case[] = readFileSync(join(import.meta.dirname, 'secrets.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Case);
const benign = readFileSync(join(import.meta.dirname, 'benign.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);

const DECISIONS = ['confirmed', 'cancelled', 'blocked', 'dry-run'] as const;
const SESSION = 'secrets-1';

/** Every program name in the corpus, so that a custom rule matches each secret-bearing command. */
const names = [...new Set(corpus.flatMap((c) => parseLine(c.line).commands.map((x) => x.name)))].filter(Boolean);

function leaks(where: string, text: string): string[] {
  return corpus.filter((c) => text.includes(c.secret)).map((c) => `${where}: ${JSON.stringify(c.secret)} from ${JSON.stringify(c.line)}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const s = statSync(p);
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
  });
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('secrets corpus', () => {
  it('has at least 300 lines, each secret inside its line', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    for (const c of corpus) expect(c.line).toContain(c.secret);
  });

  it('the redactor removes every secret (unit level, default config)', () => {
    const r = createRedactor(defaultConfig());
    expect(corpus.flatMap((c) => leaks('redact()', r(c.line)))).toEqual([]);
  });

  it('leaves benign lookalikes unchanged (ports, digests, LDAP scopes, credential files, stdin without echo)', () => {
    const r = createRedactor(defaultConfig());
    expect(benign.length).toBeGreaterThanOrEqual(60);
    expect(benign.filter((l) => r(l) !== l).map((l) => `${l} -> ${r(l)}`)).toEqual([]);
  });
});

describe('no secret leaves through any sink (real daemon, rsyslogd, fake Slack)', () => {
  let rs: Rsyslog;
  let slack: FakeSlack;
  let d: TestDaemon;

  beforeAll(async () => {
    rs = await startRsyslog();
    slack = await startFakeSlack();
    d = await startDaemon({
      config: {
        rules: {
          custom: [
            {
              id: 'test.every',
              domain: 'test',
              severity: 'low',
              reason: 'every command of the corpus',
              alternative: 'none',
              match: { command: names },
            },
          ],
        },
        policy: { low: 'confirm', medium: 'confirm', high: 'confirm', critical: 'confirm' },
        syslog: {
          targets: [
            { type: 'unix', path: rs.socket, format: 'rfc5424' },
            { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort },
          ],
        },
        alerts: {
          targets: ['slack', 'webhook'].map((type) => ({
            name: type,
            type,
            url: type === 'slack' ? slack.url : `${new URL(slack.url).origin}/webhook`,
            ...(type === 'webhook' ? { secret: `whsec_${Buffer.from('prodguard-secrets-test-key-32byt').toString('base64')}` } : {}),
            minSeverity: 'low',
            events: ['confirmed', 'blocked', 'cancelled', 'dry-run', 'session-start', 'disabled', 'chain-head'],
            perMinute: 100_000,
          })),
        },
        audit: { headEveryRows: 50 },
      },
    });
  });
  afterAll(async () => {
    await d?.dispose();
    await slack?.close();
    await rs?.stop();
  });

  it('stores, logs, sends and shows every line without its secret', async () => {
    expect(await d.request(session(SESSION, 'start'))).toMatchObject({ ok: true });
    const found: string[] = [];
    for (const [i, c] of corpus.entries()) {
      const cmd = i + 1;
      const reply = await d.request(check(SESSION, cmd, c.line));
      expect(reply).toMatchObject({ ok: true, verdict: 'confirm' });
      // What the hook prints and asks: the message and the phrase to type.
      found.push(...leaks(`check reply to ${JSON.stringify(c.line)}`, JSON.stringify(reply)));
      expect(await d.request(decision(SESSION, cmd, c.line, DECISIONS[i % DECISIONS.length]!))).toMatchObject({ ok: true, recorded: true });
      expect(await d.request(finish(SESSION, cmd, i % 3))).toMatchObject({ ok: true });
    }
    // Everything arrived: one command row per line, as many syslog messages, an alert each.
    const n = corpus.length;
    await rs.waitFor((m) => m.filter((x) => x.msgid === 'command').length >= 2 * n, 60_000);
    // The writer commits in batches: wait for the last row rather than assume it is there.
    const commandRows = () => d.rows<{ n: number }>("SELECT count(*) AS n FROM events WHERE kind = 'command'")[0]!.n;
    await poll(() => commandRows() >= n, 60_000, 'every command row');
    expect(commandRows()).toBe(n);
    await slack.waitFor((r) => r.filter((x) => x.path !== '/webhook' && /Destructive command|Dry run of/.test(x.body)).length >= n, 120_000);
    await slack.waitFor(
      (r) => r.filter((x) => x.path === '/webhook' && /"prodguard\.(confirmed|cancelled|blocked|dry-run)"/.test(x.body)).length >= n,
      120_000,
    );
    // The daemon's whole home: database, -wal/-shm, spool, outbox, pino log file.
    const files = filesUnder(d.home);
    expect(files.some((f) => f.endsWith('-wal') || f.endsWith('.db'))).toBe(true);
    for (const f of files) found.push(...leaks(f, readFileSync(f).toString('latin1')), ...leaks(f, readFileSync(f, 'utf8')));
    found.push(...leaks('daemon stderr + log', d.logs()));
    found.push(
      ...leaks(
        'rsyslog output',
        filesUnder(rs.dir)
          .map((f) => readFileSync(f, 'utf8'))
          .join('\n'),
      ),
    );
    found.push(...leaks('Slack and webhook request bodies', slack.requests.map((r) => r.body + JSON.stringify(r.headers)).join('\n')));

    const log = await cli(['log', '--json', '--limit', '100000', '--session', SESSION], homeEnv(d.home));
    expect(log.code).toBe(0);
    const rows = JSON.parse(log.stdout) as unknown[];
    expect(rows.length).toBeGreaterThanOrEqual(n);
    found.push(...leaks('prodguard log --json', log.stdout));
    const table = await cli(['log', '--limit', '100000'], homeEnv(d.home));
    found.push(...leaks('prodguard log (table)', table.stdout));

    expect([...new Set(found)]).toEqual([]);
    // And the redacted lines are there (the test looks at real output, not at nothing).
    expect(log.stdout).toContain('PGPASSWORD=***');
  }, 300_000);
});
