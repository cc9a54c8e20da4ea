import { connect } from 'node:net';

// One request line to the daemon's unix socket and its one reply line, without the CLI's client
// (this runs on every agent tool call). The outcomes are kept apart because they are handled
// apart: `down` (no daemon: the in-process engine answers), `timeout` / `broken` (a daemon that
// does not answer: fail closed).

export type DaemonCall = { kind: 'reply'; line: string } | { kind: 'down'; why: string } | { kind: 'timeout' } | { kind: 'broken'; why: string };

const DOWN_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTDIR']);

export function callDaemon(socketPath: string, line: string, timeoutMs: number): Promise<DaemonCall> {
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const socket = connect(socketPath);
    const done = (r: DaemonCall): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(`${line}\n`));
    socket.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl !== -1) done({ kind: 'reply', line: buf.slice(0, nl) });
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(DOWN_CODES.has(err.code ?? '') ? { kind: 'down', why: err.code ?? 'unreachable' } : { kind: 'broken', why: err.code ?? err.message }),
    );
    socket.on('close', () => done({ kind: 'broken', why: 'the connection closed without a reply' }));
  });
}
