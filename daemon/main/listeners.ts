import { lstatSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { errorLine } from '../contract/protocol.js';
import type { Paths } from '../paths.js';
import { closeListener, listenLoopback, listenUnix } from '../server/bind.js';
import { tokenMatches, type Handler } from '../server/handler.js';
import { createLineServer, type Transport } from '../server/listener.js';
import { StartError, rmQuiet, writePrivateFile } from '../server/runfiles.js';
import type { Cleanups } from './cleanups.js';
import type { Logger } from './log.js';

// The daemon's two listeners: the unix socket (zsh, the CLI) and loopback TCP with the token
// (bash). Counts open connections for `health`, and recreates the socket file when someone
// deletes or replaces it.

/** Connections per listener beyond which new ones are refused (a local flood stays bounded). */
const MAX_CONNECTIONS = 1024;

export interface ListenerDeps {
  paths: Paths;
  handler: Handler;
  maxRequestBytes: () => number;
  /** A connection that sends nothing for this long is closed (config daemon.idleTimeoutMs). */
  idleTimeoutMs: () => number;
  log: Logger;
  /** TCP: the knock a client must send first, and the proof line the daemon answers it with. */
  knock: string;
  hello: string;
}

export class Listeners {
  private connections = 0;
  private accepted = 0;
  private port = 0;
  private refused = 0;
  private refusedLoggedAt = 0;
  private readonly openSockets = new WeakMap<Server, Set<Socket>>();
  private unixServer: Server | null = null;
  private socketIno: number | null = null;
  private recreating = false;

  constructor(private readonly deps: ListenerDeps) {}

  get tcpPort(): number {
    return this.port;
  }
  get openConnections(): number {
    return this.connections;
  }
  /** Connections accepted since start, both listeners (a hook keeps its own between lines). */
  get acceptedConnections(): number {
    return this.accepted;
  }
  /** TCP peers closed for a missing or wrong knock (an impostor's probe, a stale hook). */
  get refusedPeers(): number {
    return this.refused;
  }

  /** Binds both listeners and writes the port file; every step is undone by `cleanups`. */
  async listen(tcpPort: number, cleanups: Cleanups): Promise<void> {
    const { paths } = this.deps;
    this.unixServer = await listenUnix(paths.socket, this.lineServer('unix'));
    this.socketIno = lstatSync(paths.socket).ino;
    cleanups.add(() => this.unixServer && this.closeServer(this.unixServer));

    const tcpServer = this.lineServer('tcp');
    await listenLoopback(tcpServer, tcpPort).catch((err: NodeJS.ErrnoException) => {
      throw new StartError(`cannot listen on 127.0.0.1:${tcpPort} (${err.code ?? err.message}); set daemon.tcpPort to a free port or 0`);
    });
    cleanups.add(() => this.closeServer(tcpServer));
    this.port = (tcpServer.address() as { port: number }).port;
    writePrivateFile(paths.portFile, `${this.port}\n`);
    cleanups.add(() => rmQuiet(paths.portFile));
  }

  /** Rebinds the unix socket when its file is missing or is another inode than ours. */
  async watchSocket(): Promise<void> {
    const { paths, log } = this.deps;
    let ino: number | null = null;
    try {
      ino = lstatSync(paths.socket).ino;
    } catch {
      /* deleted */
    }
    if (ino === this.socketIno || this.recreating) return;
    this.recreating = true;
    try {
      log.warn({ socket: paths.socket }, 'socket file missing or replaced; recreating it');
      // close() unlinks the path at once; open connections finish on the old handle.
      this.unixServer?.close();
      this.unixServer = await listenUnix(paths.socket, this.lineServer('unix'));
      this.socketIno = lstatSync(paths.socket).ino;
    } finally {
      this.recreating = false;
    }
  }

  private handshake(first: string): string | null {
    if (tokenMatches(this.deps.knock, first)) return this.deps.hello;
    // Counted in health; logged at most once a minute (a flood must not fill the disk).
    this.refused++;
    if (Date.now() - this.refusedLoggedAt > 60_000) {
      this.refusedLoggedAt = Date.now();
      this.deps.log.warn({ transport: 'tcp', refusedPeers: this.refused }, 'connection refused: no valid knock');
    }
    return null;
  }

  private closeServer(server: Server): Promise<void> {
    return closeListener(server, this.openSockets.get(server));
  }

  private lineServer(transport: Transport): Server {
    const { handler, maxRequestBytes, idleTimeoutMs, log } = this.deps;
    const server = createLineServer({
      transport,
      handle: (line, t) => handler.handleLine(line, t),
      maxRequestBytes,
      oversized: () => errorLine(`request too large: over ${maxRequestBytes()} bytes`),
      maxConnections: MAX_CONNECTIONS,
      idleTimeoutMs,
      // TCP: the knock, then the proof, before any request (contract/protocol.ts knockLine).
      // Anyone else is closed without a word (the unix socket is 0600 in a 0700 dir: no handshake).
      ...(transport === 'tcp' ? { handshake: (first: string) => this.handshake(first) } : {}),
    });
    const open = new Set<Socket>();
    this.openSockets.set(server, open);
    server.on('connection', (s: Socket) => {
      this.connections++;
      this.accepted++;
      open.add(s);
      s.once('close', () => {
        this.connections--;
        open.delete(s);
      });
    });
    server.on('drop', () => log.warn({ transport }, 'connection refused: too many connections'));
    return server;
  }
}
