import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';

// A real rsyslogd for tests, TUNED (test/helpers/rsyslog-stock.ts is the stock one): imuxsock on a socket in a temp dir (RFC 5424 accepted thanks to
// UseSpecialParser="off" ParseHostname="on"), imudp and imtcp on loopback ports, mmpstrucdata to
// parse the structured data, and every message written as one JSON line with the fields rsyslog
// PARSED (so tests assert what a receiver understood, not what we sent).

export interface Received {
  input: string;
  pri: number;
  facility: number;
  severity: number;
  /** "1" for RFC 5424, "0" for legacy (RFC 3164). */
  protocol: string;
  timestamp: string;
  hostname: string;
  appname: string;
  procid: string;
  msgid: string;
  sd: string;
  /** Structured data as parsed by rsyslog's mmpstrucdata: { sdId: { param: value } }. */
  params: Record<string, Record<string, string>>;
  msg: string;
}

export interface Rsyslog {
  dir: string;
  socket: string;
  udpPort: number;
  tcpPort: number;
  /** With `tls`: imtcp on a loopback port through the gtls driver (RFC 5425), 0 otherwise. */
  tlsPort: number;
  messages(): Received[];
  /** Lines written so far (cheap: no parsing), for benchmarks. */
  count(): number;
  waitFor(pred: (all: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

export interface RsyslogOptions {
  tcpPort?: number;
  udpPort?: number;
  dir?: string;
  /** A TLS listener too (needs the rsyslog-gnutls package): certificate and key files (PEM). */
  tls?: { certFile: string; keyFile: string };
}

export async function startRsyslog(opts: RsyslogOptions = {}): Promise<Rsyslog> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pg-rsyslog-'));
  const socket = join(dir, 'log.sock');
  const out = join(dir, 'out.jsonl');
  const portFile = join(dir, `tcp.port.${Date.now()}`);
  const tlsPortFile = join(dir, `tls.port.${Date.now()}`);
  const tlsInput = opts.tls
    ? `input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${tlsPortFile}" name="tls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon" streamDriver.CAFile="${opts.tls.certFile}" streamDriver.CertFile="${opts.tls.certFile}" streamDriver.KeyFile="${opts.tls.keyFile}")\n`
    : '';
  const udpPort = opts.udpPort ?? (await freeUdpPort());
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
input(type="imuxsock" Socket="${socket}" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" RateLimit.Interval="0")
input(type="imudp" address="127.0.0.1" port="${udpPort}" name="udp")
input(type="imtcp" address="127.0.0.1" port="${opts.tcpPort ?? 0}" listenPortFileName="${portFile}" name="tcp")
${tlsInput}template(name="pg" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="protocol" name="protocol-version" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="appname" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="params" name="$!rfc5424-sd" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
action(type="mmpstrucdata")
action(type="omfile" file="${out}" template="pg" asyncWriting="off" flushOnTXEnd="on")
`,
  );
  let tlsPort = 0;
  const daemon = await runRsyslogd({
    conf,
    dir,
    socket,
    tcpPortFile: portFile,
    tcpPort: opts.tcpPort ?? 0,
    // The TLS input's port file, when it is on.
    ready: () => {
      if (opts.tls && !tlsPort && existsSync(tlsPortFile)) tlsPort = Number(readFileSync(tlsPortFile, 'utf8').trim()) || 0;
      return !opts.tls || tlsPort > 0;
    },
    what: 'rsyslogd to listen',
  });
  const { tcpPort } = daemon;

  const messages = (): Received[] => {
    if (!existsSync(out)) return [];
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const r = JSON.parse(line) as Record<string, string>;
        return {
          ...r,
          pri: Number(r.pri),
          facility: Number(r.facility),
          severity: Number(r.severity),
          params: r.params ? (JSON.parse(r.params) as Received['params']) : {},
        } as Received;
      });
  };

  return {
    dir,
    socket,
    udpPort,
    tcpPort,
    tlsPort,
    messages,
    count: () => (existsSync(out) ? readFileSync(out).reduce((n, b) => n + (b === 10 ? 1 : 0), 0) : 0),
    async waitFor(pred, timeoutMs = 10_000) {
      let last: Received[] = [];
      await poll(() => pred((last = messages())), timeoutMs, `rsyslog messages (have ${last.length})`);
      return last;
    },
    async stop() {
      await daemon.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An rsyslogd started on a config file, once its unix socket exists and its TCP input answers. */
export interface RsyslogProcess {
  tcpPort: number;
  stop(): Promise<void>;
}

/**
 * Starts `rsyslogd -n` on `conf` and waits until it listens. imtcp writes `tcpPortFile` only for
 * port 0; a fixed `tcpPort` is probed by connecting. `ready` is any further condition.
 */
export async function runRsyslogd(o: {
  conf: string;
  dir: string;
  socket: string;
  tcpPortFile: string;
  tcpPort: number;
  ready?: () => boolean;
  what: string;
}): Promise<RsyslogProcess> {
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', o.conf, '-i', join(o.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  let tcpPort = o.tcpPort;
  let listening = false;
  await poll(
    () => {
      if (exited) throw new Error(`rsyslogd exited: ${stderr}`);
      if (!tcpPort && existsSync(o.tcpPortFile)) tcpPort = Number(readFileSync(o.tcpPortFile, 'utf8').trim()) || 0;
      if (tcpPort && !listening) void probe(tcpPort).then((ok) => (listening ||= ok));
      return existsSync(o.socket) && listening && (o.ready?.() ?? true);
    },
    10_000,
    o.what,
  );
  return {
    tcpPort,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

export function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** A loopback UDP port free right now (imudp has no port file; the race window is tiny). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function poll(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
