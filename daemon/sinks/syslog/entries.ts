import type { PublishedHead, StoredEvent } from '../../contract/events.js';
import { SEVERITY, type SyslogEntry, type SyslogSeverity } from './format.js';

// What each thing prodguard publishes looks like as a syslog entry. The text has already been
// through the redaction guard (see ../index.ts).

/** A blocked or confirmed-critical command is `warning`; a cancelled one `notice`; the rest info. */
export function severityOf(e: StoredEvent): SyslogSeverity {
  if (e.kind === 'tampered') return SEVERITY.crit;
  if (e.kind === 'disabled' || e.decision === 'disabled') return SEVERITY.warning;
  switch (e.decision) {
    case 'blocked':
      return SEVERITY.warning;
    case 'confirmed':
      return e.severity === 'critical' ? SEVERITY.warning : SEVERITY.notice;
    case 'cancelled':
    case 'denied':
    case 'asked':
      return SEVERITY.notice;
    default:
      return SEVERITY.info;
  }
}

export function eventEntry(e: StoredEvent, redact: (s: string) => string): SyslogEntry {
  return {
    ts: e.ts,
    severity: severityOf(e),
    msgId: e.kind,
    params: [
      ['user', redact(e.user)],
      ['host', e.host],
      ['session', e.session],
      ['decision', e.decision ?? ''],
      ['rule', e.rules.join(',')],
      ['severity', e.severity ?? ''],
      ['exit', e.exit === null ? '' : String(e.exit)],
      ['seq', String(e.seq)],
      ['cmd', e.cmd === null ? '' : String(e.cmd)],
      ['hash', e.hash],
      // Agent rows (prodguard hook): which coding agent, and who allowed a line once.
      ...(e.agent ? [['agent', e.agent] as [string, string]] : []),
      ...(e.approver ? [['approver', redact(e.approver)] as [string, string]] : []),
    ],
    msg: e.command !== null ? redact(e.command) : describe(e),
  };
}

function describe(e: StoredEvent): string {
  switch (e.kind) {
    case 'session-start':
      return `production shell opened (${e.shell} ${e.tty}${e.signal ? `, ${e.signal}` : ''})`;
    case 'session-end':
      return `production shell closed (${e.shell} ${e.tty})`;
    case 'disabled':
      return 'guard disabled in a production shell';
    case 'enabled':
      return 'guard re-enabled in a production shell';
    case 'tampered':
      return 'the guard found itself changed';
    case 'result':
      return `command ${e.cmd ?? ''} finished with exit ${e.exit ?? '?'}`;
    default:
      return e.kind;
  }
}

export function headEntry(head: PublishedHead): SyslogEntry {
  return {
    ts: head.ts,
    severity: SEVERITY.info,
    msgId: 'chain-head',
    params: [
      ['seq', String(head.seq)],
      ['hash', head.hash],
    ],
    msg: `audit chain head seq=${head.seq} hash=${head.hash}`,
  };
}

export function daemonEntry(event: 'start' | 'stop', detail: string, ts: number): SyslogEntry {
  return {
    ts,
    severity: SEVERITY.notice,
    msgId: `daemon-${event}`,
    params: [['event', event]],
    msg: `prodguard daemon ${event}${detail ? `: ${detail}` : ''}`,
  };
}

export function verifyFailedEntry(detail: string, ts: number): SyslogEntry {
  return {
    ts,
    severity: SEVERITY.crit,
    msgId: 'verify-failed',
    params: [['event', 'verify-failed']],
    msg: `audit chain verification FAILED: ${detail}`,
  };
}

export function probeEntry(ts: number): SyslogEntry {
  return { ts, severity: SEVERITY.debug, msgId: 'probe', params: [['event', 'probe']], msg: 'prodguard doctor probe' };
}
