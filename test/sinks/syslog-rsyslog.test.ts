import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSinks } from '../../daemon/sinks/index.js';
import { startRsyslog, type Received, type Rsyslog } from '../helpers/rsyslog.js';
import { config, FAST, memoryLogger, stored, tempDir, waitStatus } from './fixtures.js';

// Against a real rsyslogd started here: a unix socket (imuxsock), loopback UDP and TCP. The
// assertions are on the fields rsyslog PARSED (PRI split into facility/severity, app name,
// MSGID, structured data via mmpstrucdata, MSG), so a format mistake fails here.

const SD = 'prodguard@32473';
const silent = () => memoryLogger().logger;

describe('syslog into a real rsyslogd', () => {
  let rs: Rsyslog;
  beforeAll(async () => {
    rs = await startRsyslog();
  });
  afterAll(async () => {
    await rs?.stop();
  });

  test('unix, UDP and TCP targets: every row, chain head and daemon start arrive parseable', async () => {
    const { dir, cleanup } = tempDir();
    const cfg = config({
      syslog: {
        targets: [
          { type: 'unix', path: rs.socket, appName: 'pg-unix', format: 'rfc5424' },
          { type: 'udp', host: '127.0.0.1', port: rs.udpPort, appName: 'pg-udp', facility: 'local3' },
          { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, appName: 'pg-tcp' },
          { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, appName: 'pg-bsd', format: 'rfc3164', facility: 'daemon' },
        ],
      },
    });
    const sinks = createSinks(cfg, { dataDir: dir, logger: silent(), hostname: 'web1', tuning: FAST });
    sinks.publishDaemon('start', 'version 0.1.0');
    // Values that need RFC 5424 escaping, a non-ASCII message, and a secret the second guard masks.
    sinks.publish(stored(1, { user: 'al"ice\\x]', command: 'rm -rf "/srv/dätä" ]' }));
    sinks.publish(stored(2, { decision: 'confirmed', severity: 'high', command: 'PGPASSWORD=hunter2 psql -c "drop table t"' }));
    sinks.publish(stored(3, { decision: 'cancelled', severity: 'medium' }));
    sinks.publish(stored(4, { decision: 'allowed', severity: null, rules: [], command: 'ls' }));
    sinks.publish(stored(5, { kind: 'result', decision: null, severity: null, command: null, exit: 1, rules: [] }));
    sinks.publishHead({ seq: 5, hash: 'f'.repeat(64), ts: Date.now() });
    // A 200 KB line cannot fit a datagram: it is cut and marked, and does not block the queue.
    sinks.publish(stored(6, { command: `echo ${'x'.repeat(200_000)}` }));
    sinks.publish(stored(7, { command: 'after the huge one' }));

    const per = 9;
    const all = await rs.waitFor((m) => m.length >= 4 * per);
    const by = (app: string) => all.filter((m) => m.appname === app);
    for (const app of ['pg-unix', 'pg-udp', 'pg-tcp', 'pg-bsd']) expect(by(app)).toHaveLength(per);
    expect(by('pg-unix').every((m) => m.input === 'imuxsock')).toBe(true);
    expect(by('pg-udp').every((m) => m.input === 'udp')).toBe(true);
    expect(by('pg-tcp').every((m) => m.input === 'tcp')).toBe(true);

    for (const app of ['pg-unix', 'pg-udp', 'pg-tcp']) {
      const ms = by(app);
      const facility = app === 'pg-udp' ? 19 : 10; // local3 / authpriv
      expect(ms.every((m) => m.protocol === '1' && m.facility === facility && m.hostname === 'web1')).toBe(true);
      expect(ms.every((m) => m.procid === String(process.pid))).toBe(true);
      const row = (seq: number) => ms.find((m) => m.msgid !== 'chain-head' && m.params[SD]?.seq === String(seq))!;

      const blocked = row(1);
      expect(blocked.msgid).toBe('command');
      expect(blocked.severity).toBe(4); // warning
      expect(blocked.pri).toBe(facility * 8 + 4);
      expect(blocked.params[SD]).toMatchObject({
        user: 'al"ice\\x]',
        host: 'web1',
        session: 'sess-1',
        decision: 'blocked',
        rule: 'fs.rm-recursive',
        severity: 'critical',
        exit: '',
        seq: '1',
      });
      expect(blocked.msg).toBe('rm -rf "/srv/dätä" ]');

      expect(row(2).severity).toBe(5); // confirmed high: notice
      expect(row(2).msg).toBe('PGPASSWORD=*** psql -c "drop table t"');
      expect(row(3).severity).toBe(5); // cancelled: notice
      expect(row(4).severity).toBe(6); // allowed: info
      expect(row(5)).toMatchObject({ msgid: 'result', severity: 6 });
      expect(row(5).params[SD]!.exit).toBe('1');

      const head = ms.find((m) => m.msgid === 'chain-head')!;
      expect(head.params[SD]).toEqual({ seq: '5', hash: 'f'.repeat(64) });
      const start = ms.find((m) => m.msgid === 'daemon-start')!;
      expect(start.severity).toBe(5);
      expect(start.msg).toBe('prodguard daemon start: version 0.1.0');
      // in order: daemon start first, then the rows by seq
      expect(ms.map((m) => (m.msgid === 'command' || m.msgid === 'result' ? m.params[SD]!.seq : m.msgid))).toEqual([
        'daemon-start',
        '1',
        '2',
        '3',
        '4',
        '5',
        'chain-head',
        '6',
        '7',
      ]);
      expect(row(6).msg).toMatch(/^echo x+ \[truncated\]$/);
      expect(row(7).msg).toBe('after the huge one');
    }

    // RFC 3164: facility/severity from PRI, tag as app name, pid, the pairs then the command.
    const bsd = by('pg-bsd');
    expect(bsd.every((m) => m.protocol === '0' && m.facility === 3 && m.hostname === 'web1' && m.procid === String(process.pid))).toBe(true);
    const b1 = bsd.find((m) => m.msg.includes('seq="1"'))!;
    expect(b1.severity).toBe(4);
    expect(b1.msg.trim()).toMatch(
      /^user="al\\"ice\\\\x\\]" host="web1" session="sess-1" decision="blocked" rule="fs.rm-recursive" severity="critical" exit="" seq="1" cmd="1" hash="[0-9a-f]{64}" rm -rf "\/srv\/dätä" \]$/,
    );

    expect(JSON.stringify(all)).not.toContain('hunter2');
    const st = await sinks.status();
    expect(st.map((s) => [s.name, s.queued, s.dropped, s.delivered])).toEqual([
      [`unix:${rs.socket}:rfc5424`, 0, 0, per],
      [`udp:127.0.0.1:${rs.udpPort}:rfc5424`, 0, 0, per],
      [`tcp:127.0.0.1:${rs.tcpPort}:rfc5424`, 0, 0, per],
      [`tcp:127.0.0.1:${rs.tcpPort}:rfc3164`, 0, 0, per],
    ]);
    // close() gives targets that are up a moment: the daemon's "stop" goes out before it exits.
    sinks.publishDaemon('stop');
    await sinks.close();
    const stops = (await rs.waitFor((m) => m.filter((x) => x.msgid === 'daemon-stop').length >= 3)).filter((m) => m.msgid === 'daemon-stop');
    expect(stops.map((m) => m.appname).sort()).toEqual(['pg-tcp', 'pg-udp', 'pg-unix']);
    cleanup();
  });

  test('TCP target down: rows queue on disk, survive a sinks restart, and drain in order exactly once', async () => {
    const { dir, cleanup } = tempDir();
    // A receiver that comes and goes on a fixed port.
    const down = await startRsyslog();
    const port = down.tcpPort;
    await down.stop();
    const cfg = config({ syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port, appName: 'pg-outage' }] } });
    const log = memoryLogger();
    let sinks = createSinks(cfg, { dataDir: dir, logger: log.logger, hostname: 'web1', tuning: FAST });
    for (let i = 1; i <= 20; i++) sinks.publish(stored(i));
    await waitStatus(sinks, (s) => s.queued === 20 && s.lastError !== null && !s.connected);
    expect(log.lines().some((l) => l.msg === 'syslog target unreachable; queueing on disk')).toBe(true);

    // The daemon restarts while the receiver is still down: nothing is lost.
    await sinks.close();
    sinks = createSinks(cfg, { dataDir: dir, logger: log.logger, hostname: 'web1', tuning: FAST });
    for (let i = 21; i <= 30; i++) sinks.publish(stored(i));
    await waitStatus(sinks, (s) => s.queued === 30);

    const up = await startRsyslog({ tcpPort: port });
    try {
      const got = await up.waitFor((m) => m.length >= 30);
      await sinks.flush(5_000);
      expect(up.messages().map((m: Received) => Number(m.params[SD]!.seq))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const [st] = await sinks.status();
      expect(st).toMatchObject({ queued: 0, dropped: 0, connected: true, lastError: null });
      expect(got.every((m) => m.appname === 'pg-outage')).toBe(true);
    } finally {
      await sinks.close();
      await up.stop();
      cleanup();
    }
  });

  test('unix socket: rsyslogd restarted (socket recreated) -> the sink reconnects, rows queued meanwhile arrive', async () => {
    const { dir: rsDir, cleanup: rsCleanup } = tempDir('pg-rs-unix-');
    const { dir, cleanup } = tempDir();
    let r = await startRsyslog({ dir: rsDir });
    const cfg = config({ syslog: { targets: [{ type: 'unix', path: r.socket, appName: 'pg-restart', format: 'rfc5424' }] } });
    const sinks = createSinks(cfg, { dataDir: dir, logger: silent(), tuning: FAST });
    try {
      sinks.publish(stored(1));
      await r.waitFor((m) => m.length === 1);
      await r.stop();
      for (let i = 2; i <= 6; i++) sinks.publish(stored(i));
      await waitStatus(sinks, (s) => s.queued === 5 && s.lastError !== null);
      r = await startRsyslog({ dir: rsDir });
      const all = await r.waitFor((m) => m.length >= 6);
      expect(all.map((m) => Number(m.params[SD]!.seq))).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await sinks.close();
      await r.stop();
      cleanup();
      rsCleanup();
    }
  });

  test('a target with an unknown facility is left out and logged; the others keep working', async () => {
    const { dir, cleanup } = tempDir();
    const log = memoryLogger();
    const cfg = config({
      syslog: {
        targets: [
          { type: 'udp', host: '127.0.0.1', port: rs.udpPort, facility: 'authpirv' },
          { type: 'unix', path: rs.socket, appName: 'pg-facility', format: 'rfc5424' },
        ],
      },
    });
    const sinks = createSinks(cfg, { dataDir: dir, logger: log.logger, tuning: FAST });
    sinks.publish(stored(1));
    await rs.waitFor((m) => m.some((x) => x.appname === 'pg-facility'));
    expect((await sinks.status()).map((s) => s.type)).toEqual(['unix']);
    expect(log.lines().some((l) => l.msg === 'syslog target left out: fix its facility in the config' && String(l.err).includes('authpirv'))).toBe(
      true,
    );
    await sinks.close();
    cleanup();
  });

  test('a full queue drops new messages, counts them, reports them in status and logs it once', async () => {
    const { dir, cleanup } = tempDir();
    const port = await closedPort();
    const cfg = config({ syslog: { targets: [{ type: 'tcp', host: '127.0.0.1', port, queueMax: 5 }] } });
    const log = memoryLogger();
    const sinks = createSinks(cfg, { dataDir: dir, logger: log.logger, tuning: FAST });
    for (let i = 1; i <= 12; i++) sinks.publish(stored(i));
    const st = await waitStatus(sinks, (s) => s.queued + s.dropped === 12);
    expect(st).toMatchObject({ queued: 5, dropped: 7, ok: false });
    expect(log.lines().filter((l) => l.msg === 'syslog queue full: new messages are being dropped until the target drains')).toHaveLength(1);
    await sinks.close();
    // The count survives a restart (doctor reads it after the fact).
    const again = createSinks(cfg, { dataDir: dir, logger: silent(), tuning: FAST });
    expect((await again.status())[0]).toMatchObject({ queued: 5, dropped: 7 });
    await again.close();
    cleanup();
  });
});

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
