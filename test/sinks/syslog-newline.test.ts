import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSinks } from '../../daemon/sinks/index.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { config, FAST, memoryLogger, stored, tempDir } from './fixtures.js';

// A command holding newlines (a pasted block, `$'a\nb'`, a here-doc) stays ONE syslog message on
// every transport: unix datagram, UDP, TCP and TLS with octet counting (RFC 6587 / 5425), in both
// formats. A receiver that split it would show a second, forged-looking message whose text the
// user chose. Checked against a real rsyslogd (TLS through its gtls driver, package
// rsyslog-gnutls), which escapes the control characters it receives: the newline shows as #012.

const FORGED = 'Mar 10 12:00:00 web1 prodguard[1]: allowed ls';
const COMMAND = `echo one\n${FORGED}\r\nrm -rf /srv/data`;

describe('a newline in a command stays inside one message on every transport (real rsyslogd)', () => {
  const tmp = tempDir('pg-nl-');
  let rs: Rsyslog;

  beforeAll(async () => {
    const certFile = join(tmp.dir, 'cert.pem');
    const keyFile = join(tmp.dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    rs = await startRsyslog({ tls: { certFile, keyFile } });
  });
  afterAll(async () => {
    await rs?.stop();
    tmp.cleanup();
  });

  const transports = () => [
    { app: 'nl-unix', input: 'imuxsock', target: { type: 'unix', path: rs.socket } },
    { app: 'nl-udp', input: 'udp', target: { type: 'udp', host: '127.0.0.1', port: rs.udpPort } },
    { app: 'nl-tcp', input: 'tcp', target: { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort } },
    { app: 'nl-tcp-bsd', input: 'tcp', target: { type: 'tcp', host: '127.0.0.1', port: rs.tcpPort, format: 'rfc3164' } },
    { app: 'nl-tls', input: 'tls', target: { type: 'tls', host: '127.0.0.1', port: rs.tlsPort, ca: join(tmp.dir, 'cert.pem') } },
  ];

  test.each(['nl-unix', 'nl-udp', 'nl-tcp', 'nl-tcp-bsd', 'nl-tls'])('%s', async (app) => {
    const t = transports().find((x) => x.app === app)!;
    const { dir, cleanup } = tempDir();
    const sinks = createSinks(config({ syslog: { targets: [{ ...t.target, appName: app }] } }), {
      dataDir: dir,
      logger: memoryLogger().logger,
      hostname: 'web1',
      tuning: FAST,
    });
    try {
      sinks.publish(stored(1, { command: COMMAND }));
      sinks.publish(stored(2, { command: 'after the multi-line one' }));
      const all = await rs.waitFor((m) => m.filter((x) => x.appname === app).length >= 2, 15_000);
      const mine = all.filter((m) => m.appname === app);
      expect(mine.map((m) => m.input)).toEqual([t.input, t.input]);
      // Exactly two messages: the multi-line command did not become three.
      expect(mine).toHaveLength(2);
      expect(mine[0]!.msg).toContain('echo one#012Mar 10 12:00:00 web1 prodguard[1]: allowed ls#015#012rm -rf /srv/data');
      expect(mine[1]!.msg).toContain('after the multi-line one');
      // Nothing else arrived that looks like the forged line.
      expect(all.filter((m) => m.msg.startsWith('allowed ls') || m.appname === 'prodguard[1]:')).toEqual([]);
    } finally {
      await sinks.close();
      cleanup();
    }
  });
});
