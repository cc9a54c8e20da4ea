import { userInfo } from 'node:os';

// Who a row belongs to. Only the daemon's own uid can reach it (a 0600 socket in a 0700 dir; the
// TCP handshake), so every row is that account's, whatever $USER a hook or an agent claimed.

/** The daemon's uid, recorded on every row. */
export const DAEMON_UID: number | null = process.getuid?.() ?? null;

/** The uid's own name (null without a passwd entry, in some containers). */
const daemonUser = ((): string | null => {
  try {
    return userInfo().username;
  } catch {
    return null; // the client's claim is all there is
  }
})();

/** One identity: the account's name, and the client's $USER beside it only where it differs. */
export function identity(claimed: string): string {
  if (daemonUser === null) return claimed;
  return claimed && claimed !== daemonUser ? `${daemonUser} ($USER=${claimed})` : daemonUser;
}
