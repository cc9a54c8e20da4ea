import { ACTIONS } from '../daemon/contract/enums.js';
import { ALLOW_SHORT, PROTOCOL_VERSION, REPLY_PREFIX, SHORT_OK, UNRECORDED_MARK, helloLine, knockLine } from '../daemon/contract/protocol.js';
import { DESTRUCTIVE_WORDS } from '../daemon/engine/rules/engine-rules.js';

// The protocol texts the shell hooks match replies against, generated into the hook header by
// `prodguard init` from the contract (daemon/contract/protocol.ts), so the hooks never spell a
// reply out themselves. The hooks compare strings and lengths: these must be exactly the daemon's.

/** A shell single-quoted word (the generator's one quoting rule). */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** POSIX ERE text for a literal (bash `[[ =~ ]]`). */
const ere = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

export function hookProtocolConstants(): string[] {
  const [knockHead] = knockLine('\u0000').split('\u0000');
  const [helloHead, helloTail] = helloLine('\u0000').split('\u0000');
  return [
    // The head every request the hook writes starts with.
    `__pg_vhead=${q(`{"v":${PROTOCOL_VERSION}`)}`,
    // Every success starts with __pg_ok, every refusal with __pg_err_head.
    `__pg_ok=${q(REPLY_PREFIX.ok)}`,
    `__pg_err_head=${q(REPLY_PREFIX.error)}`,
    // The whole reply to a finish sent with "ack":"short", newline included.
    `__pg_short_ok=${q(SHORT_OK)}$'\\n'`,
    // A plain allow is exactly this head, then the verdict detail. (The head runs into `,"detail":`:
    // an allow that also carries the daemon's config generation, `,"gen":`, is told apart by length.)
    `__pg_allow_head=${q(`${REPLY_PREFIX.allow},"detail":`)}`,
    // The whole reply to a check sent with "ack":"short" whose verdict is a plain allow, newline included.
    `__pg_allow_short=${q(ALLOW_SHORT)}$'\\n'`,
    // In a check reply after the message: the daemon could not store the line's record.
    `__pg_unrecorded=${q(UNRECORDED_MARK)}`,
    // The TCP handshake lines around the knock and the proof.
    `__pg_knock_head=${q(knockHead!)} __pg_hello_head=${q(helloHead!)} __pg_hello_tail=${q(helloTail!)}$'\\n'`,
    // The fixed head of a check reply, one regex: verdict, phrase, dryRun, message, and the daemon's
    // config generation when it differs from this hook's __pg_gen (group 8).
    `__pg_re_check=${q(
      `^${ere(REPLY_PREFIX.ok)},"verdict":"(${ACTIONS.join('|')})","phrase":"(([^"\\\\]|\\\\.)*)","dryRun":(true|false),"message":"(([^"\\\\]|\\\\.)*)"(,"gen":"([0-9a-f]+)")?`,
    )}`,
  ];
}

/**
 * The hooks' last resort while neither the daemon nor node can run (__pg_local_match): the
 * engine's own word list (DESTRUCTIVE_WORDS), as a whole word in the raw line. Group 2 is the
 * word. The boundaries are the hook's: it reads the text unparsed, so `.` and `\\` also end a
 * word (`db.users.drop()`, `\\rm`); the hook lowercases the line first.
 */
export function hookWordListConstants(): string[] {
  return [`__pg_local_re=${q(`(^|[[:space:];&|(){}\`$/"'=\\\\.])(${DESTRUCTIVE_WORDS.map(ere).join('|')})([[:space:];&|(){}\`"'.]|$)`)}`];
}
