import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, poll, runRsyslogd } from './rsyslog.js';

// A real rsyslogd configured as Debian ships it: the stock imuxsock (default parser chain, no
// host name parsing on the local socket), the stock imudp / imtcp lines uncommented (bound to
// loopback here), and a `$programname == "prodguard"` filter as an admin would write it. Only the
// paths differ from /etc/rsyslog.conf. Every message is written as one JSON line of the properties
// rsyslog PARSED; the filtered file shows what such a filter catches.

export interface StockReceived {
  input: string;
  programname: string;
  syslogtag: string;
  hostname: string;
  protocol: string;
  sd: string;
  msg: string;
}

export interface StockRsyslog {
  socket: string;
  udpPort: number;
  tcpPort: number;
  /** Everything received. */
  all(): StockReceived[];
  /** What `if $programname == "prodguard"` caught. */
  filtered(): StockReceived[];
  waitFor(pred: (all: StockReceived[]) => boolean, timeoutMs?: number): Promise<StockReceived[]>;
  stop(): Promise<void>;
}

export async function startStockRsyslog(): Promise<StockRsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-rsyslog-stock-'));
  const socket = join(dir, 'log.sock');
  const allFile = join(dir, 'all.jsonl');
  const progFile = join(dir, 'prodguard.jsonl');
  const portFile = join(dir, 'tcp.port');
  const udpPort = await freeUdpPort();
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Name="${socket}" SysSock.RateLimit.Interval="0")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${udpPort}" name="udp")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${portFile}" name="tcp")
template(name="parsed" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="programname" name="programname" format="jsonf")
  property(outname="syslogtag" name="syslogtag" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="protocol" name="protocol-version" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
action(type="omfile" file="${allFile}" template="parsed")
if $programname == "prodguard" then {
  action(type="omfile" file="${progFile}" template="parsed")
}
`,
  );
  const daemon = await runRsyslogd({ conf, dir, socket, tcpPortFile: portFile, tcpPort: 0, what: 'the stock rsyslogd to listen' });
  const { tcpPort } = daemon;

  const read = (file: string): StockReceived[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as StockReceived)
      : [];
  const all = (): StockReceived[] => read(allFile);
  return {
    socket,
    udpPort,
    tcpPort,
    all,
    filtered: () => read(progFile),
    async waitFor(pred, timeoutMs = 10_000) {
      let last: StockReceived[] = [];
      await poll(() => pred((last = all())), timeoutMs, `stock rsyslog messages (have ${last.length})`);
      return last;
    },
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
