import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSinks } from '../../daemon/sinks/index.js';
import { startStockRsyslog, type StockRsyslog } from '../helpers/rsyslog-stock.js';
import { config, FAST, memoryLogger, stored, tempDir } from './fixtures.js';

// Against rsyslogd as Debian ships it (default parsers, stock imuxsock): with each target type at
// its DEFAULT format, an admin's `$programname == "prodguard"` filter catches every message and
// the fields arrive intact. (With RFC 5424 on the local socket, or a host name in a local 3164
// frame, a stock imuxsock stores program name `1` or the host name: the bug this guards.)

describe('syslog into a stock-configured rsyslogd', () => {
  let rs: StockRsyslog;
  beforeAll(async () => {
    rs = await startStockRsyslog();
  });
  afterAll(async () => {
    await rs?.stop();
  });

  test('unix, UDP and TCP at their default formats: program name prodguard, fields intact', async () => {
    const { dir, cleanup } = tempDir();
    const cfg = config({
      syslog: {
        targets: [
          { type: 'unix', path: rs.socket },
          { type: 'udp', host: '127.0.0.1', port: rs.udpPort },
          { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort },
        ],
      },
    });
    expect(cfg.syslog.targets.map((t) => t.format)).toEqual(['local', 'rfc5424', 'rfc5424']);
    const sinks = createSinks(cfg, { dataDir: dir, logger: memoryLogger().logger, hostname: 'web1', tuning: FAST });
    sinks.publish(stored(1, { user: 'alice', command: 'rm -rf "/srv/data" ]' }));
    sinks.publish(stored(2, { decision: 'confirmed', severity: 'high', command: 'echo one\necho two' }));

    const all = await rs.waitFor((m) => m.length >= 6);
    expect(all).toHaveLength(6);
    // Every message is caught by the program-name filter, whatever its transport.
    expect(rs.filtered()).toHaveLength(6);
    expect(all.every((m) => m.programname === 'prodguard')).toBe(true);
    const by = (input: string) => all.filter((m) => m.input === input);

    const local = by('imuxsock');
    expect(local).toHaveLength(2);
    expect(local.every((m) => m.syslogtag === `prodguard[${process.pid}]:`)).toBe(true);
    const l1 = local.find((m) => m.msg.includes('seq="1"'))!;
    expect(l1.msg).toMatch(/(^| )user="alice"( |$)/);
    expect(l1.msg).toMatch(/ decision="blocked" /);
    expect(l1.msg).toMatch(/ rule="fs\.rm-recursive" /);
    expect(l1.msg.endsWith(' rm -rf "/srv/data" ]')).toBe(true);
    // A newline stays inside its one message (rsyslog escapes it as #012).
    const l2 = local.find((m) => m.msg.includes('seq="2"'))!;
    expect(l2.msg.endsWith(' echo one#012echo two')).toBe(true);

    for (const input of ['udp', 'tcp']) {
      const ms = by(input);
      expect(ms).toHaveLength(2);
      expect(ms.every((m) => m.protocol === '1' && m.hostname === 'web1')).toBe(true);
      const m1 = ms.find((m) => m.sd.includes('seq="1"'))!;
      expect(m1.sd).toMatch(/^\[prodguard@32473 /);
      expect(m1.sd).toContain(' user="alice"');
      expect(m1.sd).toContain(' decision="blocked"');
      expect(m1.msg).toBe('rm -rf "/srv/data" ]');
      const m2 = ms.find((m) => m.sd.includes('seq="2"'))!;
      expect(m2.msg).toBe('echo one#012echo two');
    }
    await sinks.close();
    cleanup();
  });
});
