import type { SyslogTarget } from '../../config/schema.js';

// RFC 5424 (with a prodguard@32473 structured-data element) and RFC 3164 messages. 32473 is the
// enterprise number RFC 5612 reserves for documentation: receivers see it as a private SD-ID.

export const SD_ID = 'prodguard@32473';

export const FACILITIES: Record<string, number> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  audit: 13,
  console: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export const SEVERITY = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;
export type SyslogSeverity = (typeof SEVERITY)[keyof typeof SEVERITY];

export function facilityCode(name: string): number {
  const code = FACILITIES[name.toLowerCase()];
  if (code === undefined) {
    throw new Error(`syslog facility "${name}" is unknown; use one of ${Object.keys(FACILITIES).join(', ')}`);
  }
  return code;
}

/** What one syslog message says, independent of the wire format. */
export interface SyslogEntry {
  ts: number;
  severity: SyslogSeverity;
  /** RFC 5424 MSGID: the event kind (`command`, `result`, `chain-head`, `daemon-start`...). */
  msgId: string;
  /** SD-PARAMs in order; values are escaped here. */
  params: Array<[string, string]>;
  msg: string;
}

export interface FormatOptions {
  format: SyslogTarget['format'];
  facility: number;
  appName: string;
  hostname: string;
  procId: string;
}

/**
 * Longest message sent, in bytes. rsyslog's default maxMessageSize is 8 KiB, a unix datagram or
 * UDP packet cannot carry a 1 MB command line, and one message that can never be sent must not
 * block its queue: longer messages are cut (at a UTF-8 boundary) and marked.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024;
const CUT_MARK = Buffer.from(' [truncated]');

export function formatMessage(e: SyslogEntry, o: FormatOptions): Buffer {
  const pri = `<${o.facility * 8 + e.severity}>`;
  let head: string;
  if (o.format === 'rfc3164' || o.format === 'local') {
    // No structured data in 3164: the same params lead the message as key="value" pairs. On the
    // local socket the host name is left out, as `logger` does: a stock imuxsock would take it
    // for the tag.
    const tag = printable(o.appName, 32) || 'prodguard';
    const pairs = e.params.map(([k, v]) => `${k}="${escapeParam(v)}"`).join(' ');
    const host = o.format === 'local' ? '' : `${printable(o.hostname, 255) || '-'} `;
    head = `${pri}${bsdTimestamp(e.ts)} ${host}${tag}[${o.procId}]: ${pairs}`;
  } else {
    head = `${rfc5424Header(e, o, pri)} [${SD_ID}${e.params.map(([k, v]) => ` ${k}="${escapeParam(v)}"`).join('')}]`;
  }
  return withMessage(Buffer.from(head), e.msg);
}

function withMessage(head: Buffer, msg: string): Buffer {
  if (!msg) return head;
  const body = Buffer.from(` ${msg}`);
  if (head.length + body.length <= MAX_MESSAGE_BYTES) return Buffer.concat([head, body]);
  let end = Math.max(0, MAX_MESSAGE_BYTES - head.length - CUT_MARK.length);
  while (end > 0 && (body[end]! & 0xc0) === 0x80) end--; // not inside a UTF-8 sequence
  return Buffer.concat([head, body.subarray(0, end), CUT_MARK]);
}

function rfc5424Header(e: SyslogEntry, o: FormatOptions, pri: string): string {
  return [
    `${pri}1`,
    new Date(e.ts).toISOString(),
    nil(printable(o.hostname, 255)),
    nil(printable(o.appName, 48)),
    nil(printable(o.procId, 128)),
    nil(printable(e.msgId, 32)),
  ].join(' ');
}

/** RFC 5424 §6.3.3: inside PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export function escapeParam(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** Header fields are PRINTUSASCII (33..126) with a maximum length. */
function printable(s: string, max: number): string {
  return s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
}

function nil(s: string): string {
  return s || '-';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 TIMESTAMP: `Mmm dd hh:mm:ss`, local time, day padded with a space. */
function bsdTimestamp(ts: number): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** RFC 6587 octet-counting framing for stream transports: `LEN SP MSG`. */
export function frame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `), message]);
}
