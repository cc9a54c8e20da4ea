import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../daemon/config/load.js';
import { FUZZ_TIMEOUT_MS, boundedHeap } from './budget.js';

// parseConfig(text, file) on 100,000 generated texts: JSON of config-shaped objects with wrong
// values in known places, arbitrary JSON, and near-JSON (truncated, spliced, raw noise). It either
// returns a config or throws a ConfigError whose message is ONE line naming the file.

const FILE = '/home/u/.config/prodguard/config.json';

const noise = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '(',
    '[',
    '\n(',
    '*',
    '(?<',
    '\\',
    'a\nb',
    '(a+)+$',
    '.*',
    '^prod$',
    '2026-12-31',
    '2026-13-45T99:00:00Z',
    'https://x',
    'whsec_eA==',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'low',
    'medium',
    'high',
    'critical',
    'allow',
    'confirm',
    'block',
    'unix',
    'udp',
    'tcp',
    'tls',
    'slack',
    'webhook',
    'lastArg',
    'flag',
    'capture',
  ),
);
const value = fc.oneof({ maxDepth: 1 }, noise, fc.array(noise, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), noise, { maxKeys: 3 }));

const rule = fc.record(
  {
    id: fc.oneof(fc.constant('custom.x'), noise),
    domain: fc.oneof(fc.constant('custom'), noise),
    severity: fc.oneof(fc.constantFrom('low', 'critical'), noise),
    reason: fc.oneof(fc.constant('why'), noise),
    alternative: fc.oneof(fc.constant('safer'), noise),
    match: fc.record(
      { command: fc.oneof(fc.constant(['wipe']), value), args: noise, statement: noise, envRef: noise, sub: value, all: value, bundled: noise },
      { requiredKeys: [] },
    ),
    target: fc.record({ from: noise, index: noise, flag: noise, kind: noise }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** Objects shaped like a config, every leaf possibly wrong. */
const configish = fc.record(
  {
    production: fc.record(
      { variables: value, values: value, awsProfile: noise, kubeContext: noise, terraformWorkspace: noise, hostname: noise, bogus: noise },
      { requiredKeys: [] },
    ),
    policy: fc.record(
      {
        low: noise,
        medium: noise,
        high: noise,
        critical: noise,
        dryRunFirst: fc.record({ enabled: noise, minSeverity: noise, minutes: noise }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    rules: fc.record({ disabled: value, custom: fc.array(rule, { maxLength: 2 }) }, { requiredKeys: [] }),
    allowlist: fc.array(fc.record({ pattern: noise, exact: noise, rule: noise, reason: noise, expires: noise }, { requiredKeys: [] }), {
      maxLength: 2,
    }),
    redact: fc.record({ patterns: fc.oneof(fc.array(noise, { maxLength: 2 }), value), variableNames: noise }, { requiredKeys: [] }),
    daemon: fc.record({ tcpPort: noise, maxRequestBytes: noise, hookTimeoutMs: noise }, { requiredKeys: [] }),
    syslog: fc.record(
      {
        targets: fc.array(fc.record({ type: noise, host: noise, port: noise, path: noise, format: noise, queueMax: noise }, { requiredKeys: [] }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: [] },
    ),
    alerts: fc.record(
      {
        targets: fc.array(fc.record({ name: noise, type: noise, url: noise, events: value, minSeverity: noise }, { requiredKeys: [] }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: [] },
    ),
    [`x${'y'}`]: noise,
  },
  { requiredKeys: [] },
);

const text = fc.oneof(
  configish.map((o) => JSON.stringify(o)),
  configish.map((o) => JSON.stringify(o, null, 2)),
  fc.json({ maxDepth: 3 }),
  // Near-JSON: a config cut short or with noise spliced in.
  fc
    .tuple(
      configish.map((o) => JSON.stringify(o, null, 1)),
      fc.nat(),
      fc.string({ maxLength: 4 }),
    )
    .map(([s, at, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1))),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

function check(t: string): boolean {
  try {
    parseConfig(t, FILE);
    return true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`threw ${String(err)} (not a ConfigError) for ${JSON.stringify(t)}`);
    if (!err.message.startsWith(`config ${FILE}: `) || /[\r\n\u2028\u2029]/.test(err.message))
      throw new Error(`not one line naming the file: ${JSON.stringify(err.message)}`);
    return true;
  }
}

describe('config loader under 100,000 generated texts', () => {
  it(
    'returns a config or throws a one-line ConfigError, with bounded heap growth',
    () => {
      boundedHeap(32, (numRuns) => fc.assert(fc.property(text, check), { numRuns }));
    },
    FUZZ_TIMEOUT_MS,
  );

  it('the generated texts reach valid configs and errors in many fields (the property is not vacuous)', () => {
    let valid = 0;
    const fields = new Set<string>();
    for (const t of fc.sample(text, 3_000)) {
      try {
        parseConfig(t, FILE);
        valid++;
      } catch (err) {
        fields.add((err as ConfigError).field.replace(/\[\d+\]/g, '[]'));
      }
    }
    expect(valid).toBeGreaterThan(10);
    expect(fields.size).toBeGreaterThan(15);
  });

  it.each([
    ['a JSON error quoting a multi-line source', 'nope\n{'],
    ['a regex error quoting a multi-line source', JSON.stringify({ redact: { patterns: ['a\n('] } })],
    [
      'a custom rule regex with a newline',
      JSON.stringify({
        rules: { custom: [{ id: 'custom.x', domain: 'c', severity: 'low', reason: 'r', alternative: 'a', match: { command: ['x'], args: '\n(' } }] },
      }),
    ],
  ])('%s is still one line', (_, t) => {
    expect(() => parseConfig(t, FILE)).toThrow(ConfigError);
    expect(check(t)).toBe(true);
  });
});
