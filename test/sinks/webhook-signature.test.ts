import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSinks, type Sinks } from '../../daemon/sinks/index.js';
import { sign } from '../../daemon/sinks/alerts/sign.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { config, FAST, memoryLogger, stored, tempDir } from './fixtures.js';

// A receiver written from the Standard Webhooks description (standardwebhooks.com, "Verifying
// webhook signatures"), with node:crypto only and none of prodguard's code:
//   signed content = `${webhook-id}.${webhook-timestamp}.${raw body}`
//   key            = base64-decode(secret without the "whsec_" prefix)
//   signature      = base64(HMAC-SHA256(key, signed content)), header lists "v1,<sig>" entries
//                    separated by spaces; compare in constant time; reject stale timestamps.

const TOLERANCE_S = 5 * 60;

function verify(secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowS = Date.now() / 1000): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (!/^\d+$/.test(ts) || Math.abs(nowS - Number(ts)) > TOLERANCE_S) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((entry) => {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || !sig) return false;
    const got = Buffer.from(sig, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

describe('Standard Webhooks signatures', () => {
  let hook: FakeSlack;
  let dir: string;
  let cleanup: () => void;
  let sinks: Sinks | null = null;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;

  beforeEach(async () => {
    hook = await startFakeSlack();
    ({ dir, cleanup } = tempDir());
  });
  afterEach(async () => {
    await sinks?.close();
    await hook.close();
    cleanup();
  });

  test('the published test vector of the specification', () => {
    expect(sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  test('an independent receiver verifies real deliveries, and rejects a tampered body, another secret or a stale timestamp', async () => {
    const cfg = config({ alerts: { targets: [{ name: 'siem', type: 'webhook', url: hook.url, secret }] } });
    sinks = createSinks(cfg, { dataDir: dir, logger: memoryLogger().logger, hostname: 'web1', tuning: FAST });
    sinks.publish(stored(7, { command: 'DROP DATABASE users; -- "é"' }));
    await hook.waitFor((r) => r.length === 1);
    const req = hook.requests[0]!;

    expect(verify(secret, req.headers, req.body)).toBe(true);
    expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    const body = req.json as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body.type).toBe('prodguard.blocked');
    expect(body.data).toMatchObject({
      event: 'blocked',
      user: 'alice',
      host: 'web1',
      command: 'DROP DATABASE users; -- "é"',
      rules: ['fs.rm-recursive'],
      decision: 'blocked',
      seq: 7,
    });

    const tampered = req.body.replace('users', 'usurs');
    expect(tampered).not.toBe(req.body);
    expect(verify(secret, req.headers, tampered)).toBe(false);
    expect(verify(`whsec_${randomBytes(24).toString('base64')}`, req.headers, req.body)).toBe(false);
    expect(verify(secret, { ...req.headers, 'webhook-id': 'msg_other' }, req.body)).toBe(false);
    expect(verify(secret, req.headers, req.body, Number(req.headers['webhook-timestamp']) + TOLERANCE_S + 1)).toBe(false);
  });

  test('webhook-id is stable across retries; every attempt is signed afresh and verifies', async () => {
    hook.script({ status: 500 }, { status: 429, retryAfter: 0 });
    const cfg = config({ alerts: { targets: [{ name: 'siem', type: 'webhook', url: hook.url, secret }] } });
    sinks = createSinks(cfg, { dataDir: dir, logger: memoryLogger().logger, tuning: FAST });
    sinks.publish(stored(1));
    await hook.waitFor(() => hook.accepted().length === 1);
    sinks.publish(stored(2));
    await hook.waitFor(() => hook.accepted().length === 2);
    const attempts = hook.requests.filter((r) => (r.json as { data: { seq: number } }).data.seq === 1);
    expect(attempts.map((r) => r.answer)).toEqual([500, 429, 200]);
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(hook.requests.every((r) => verify(secret, r.headers, r.body))).toBe(true);
    expect(new Set(hook.accepted().map((r) => r.headers['webhook-id'])).size).toBe(2);
  });
});
