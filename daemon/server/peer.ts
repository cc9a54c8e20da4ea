import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

// Who is on the other end of a loopback TCP connection. Node has no SO_PEERCRED, and loopback TCP
// has none anyway; but on Linux the client's own socket is listed in /proc/net/tcp (tcp6 for
// IPv6) with its owner's uid, keyed by its address and port, which the accepted socket knows.
// The daemon tells its proof (protocol.ts helloLine) only to a peer of its own uid: another
// local user never learns it, so can never replay it from the port after a crash.

/** The kernel prints an IPv4 address as its 32-bit value in host byte order, %08X. */
function ipv4Hex(addr: string): string | null {
  const parts = addr.replace(/^::ffff:/i, '').split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => Number.parseInt(p, 10));
  if (bytes.some((b) => !(b >= 0 && b <= 255))) return null;
  const ordered = endianness() === 'LE' ? bytes.reverse() : bytes;
  return ordered.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

const portHex = (port: number): string => port.toString(16).padStart(4, '0').toUpperCase();

/**
 * The uid owning the socket whose local end is `addr:port` with remote end `serverPort`, from one
 * /proc/net/tcp table (`table` is its text); null when it is not listed.
 * Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
 */
export function uidInTable(table: string, local: string, remote: string): number | null {
  const at = table.indexOf(` ${local} ${remote} `);
  if (at === -1) return null;
  const end = table.indexOf('\n', at);
  const fields = table.slice(at, end === -1 ? undefined : end).trim().split(/\s+/);
  const uid = Number.parseInt(fields[6] ?? '', 10);
  return Number.isInteger(uid) ? uid : null;
}

export interface PeerAddress {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/**
 * The uid of the process that opened this loopback connection, or null when it cannot be told
 * (no /proc, an address we do not know how to look up): the caller then refuses the peer.
 */
export function loopbackPeerUid(s: PeerAddress, readTable: (file: string) => string = (f) => readFileSync(f, 'latin1')): number | null {
  if (s.remoteAddress === undefined || s.remotePort === undefined || s.localAddress === undefined || s.localPort === undefined) return null;
  const clientIp = ipv4Hex(s.remoteAddress);
  const serverIp = ipv4Hex(s.localAddress);
  if (clientIp === null || serverIp === null) return null;
  const local = `${clientIp}:${portHex(s.remotePort)}`;
  const remote = `${serverIp}:${portHex(s.localPort)}`;
  try {
    return uidInTable(readTable('/proc/net/tcp'), local, remote);
  } catch {
    return null;
  }
}
