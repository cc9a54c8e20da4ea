import { describe, expect, test } from 'vitest';
import { escapeParam, facilityCode, formatMessage, frame, MAX_MESSAGE_BYTES, SEVERITY } from '../../daemon/sinks/syslog/format.js';
import { eventEntry, severityOf } from '../../daemon/sinks/syslog/entries.js';
import { stored } from './fixtures.js';

// The wire format in isolation (the rsyslog tests check that a real receiver parses it).

describe('syslog format', () => {
  test('SD-PARAM values escape ", \\ and ] (RFC 5424 §6.3.3) and nothing else', () => {
    expect(escapeParam('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
  });

  test('RFC 5424: PRI, version, ISO timestamp, header fields, SD element, message', () => {
    const msg = formatMessage(
      eventEntry(stored(3), (s) => s),
      {
        format: 'rfc5424',
        facility: facilityCode('authpriv'),
        appName: 'prodguard',
        hostname: 'web 1',
        procId: '77',
      },
    ).toString();
    expect(msg).toMatch(
      /^<84>1 2026-03-10T12:00:00\.253Z web_1 prodguard 77 command \[prodguard@32473 user="alice" host="web1" session="sess-1" decision="blocked" rule="fs\.rm-recursive" severity="critical" exit="" seq="3" cmd="3" hash="[0-9a-f]{64}"\] rm -rf \/srv\/data\/3$/,
    );
  });

  test('RFC 3164: <PRI>Mmm dd hh:mm:ss host tag[pid]: key="value" pairs then the command', () => {
    const msg = formatMessage(
      eventEntry(stored(4), (s) => s),
      {
        format: 'rfc3164',
        facility: facilityCode('local3'),
        appName: 'prodguard',
        hostname: 'web1',
        procId: '77',
      },
    ).toString();
    expect(msg).toMatch(/^<156>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d web1 prodguard\[77\]: user="alice" .* seq="4" .* rm -rf \/srv\/data\/4$/);
  });

  test('severity follows the decision: blocked and confirmed-critical are warning, cancelled notice, allowed info', () => {
    expect(severityOf(stored(1, { decision: 'blocked', severity: 'medium' }))).toBe(SEVERITY.warning);
    expect(severityOf(stored(1, { decision: 'confirmed', severity: 'critical' }))).toBe(SEVERITY.warning);
    expect(severityOf(stored(1, { decision: 'confirmed', severity: 'high' }))).toBe(SEVERITY.notice);
    expect(severityOf(stored(1, { decision: 'cancelled' }))).toBe(SEVERITY.notice);
    expect(severityOf(stored(1, { decision: 'allowed', severity: null }))).toBe(SEVERITY.info);
    expect(severityOf(stored(1, { kind: 'disabled', decision: null }))).toBe(SEVERITY.warning);
  });

  test('unknown facility names are refused with the list of valid ones', () => {
    expect(() => facilityCode('authpirv')).toThrow(/unknown; use one of .*authpriv/);
  });

  test('a huge command is cut to MAX_MESSAGE_BYTES at a UTF-8 boundary and marked', () => {
    const msg = formatMessage(
      eventEntry(stored(5, { command: `echo ${'é'.repeat(100_000)}` }), (s) => s),
      {
        format: 'rfc5424',
        facility: 10,
        appName: 'prodguard',
        hostname: 'h',
        procId: '1',
      },
    );
    expect(msg.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(msg.length).toBeGreaterThan(MAX_MESSAGE_BYTES - 4);
    const text = msg.toString('utf8');
    expect(text).not.toContain('\ufffd');
    expect(text).toMatch(/\] echo é+ \[truncated\]$/);
  });

  test('octet counting counts bytes, not characters', () => {
    expect(frame(Buffer.from('é')).toString()).toBe('2 é');
  });
});
