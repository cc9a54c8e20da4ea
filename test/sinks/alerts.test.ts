import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSinks, type Sinks } from '../../daemon/sinks/index.js';
import { startFakeSlack, type FakeSlack, type Recorded } from '../helpers/fake-slack.js';
import { config, FAST, memoryLogger, stored, tempDir } from './fixtures.js';

// Alerts against a real local HTTP server playing Slack: 200, 429 + Retry-After, 500, a hang
// past the timeout, a restart of the sinks mid-retry, give-up after maxAge, and rate-limit
// summaries. "Delivered" means answered 2xx; every alert must be delivered exactly once.

type Slack = { text: string; blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }> }> };

const seqOf = (r: Recorded) => {
  const ctx = JSON.stringify((r.json as Slack).blocks);
  return Number(/seq (\d+)/.exec(ctx)?.[1]);
};

describe('Slack alerts through the outbox', () => {
  let slack: FakeSlack;
  let dir: string;
  let cleanup: () => void;
  let open: Sinks[] = [];
  const log = memoryLogger();

  beforeEach(async () => {
    slack = await startFakeSlack();
    ({ dir, cleanup } = tempDir());
  });
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
    await slack.close();
    cleanup();
  });

  function sinks(target: Record<string, unknown> = {}, tuning: Record<string, unknown> = {}): Sinks {
    const cfg = config({ alerts: { targets: [{ name: 'ops', type: 'slack', url: slack.url, timeoutMs: 3_000, ...target }] } });
    const s = createSinks(cfg, { dataDir: dir, logger: log.logger, hostname: 'web1', tuning: { ...FAST, ...tuning } });
    open.push(s);
    return s;
  }

  test('200: a Block Kit message with who, host, command, rule, decision and the text fallback', async () => {
    const s = sinks();
    s.publish(stored(1, { command: 'rm -rf /srv/data <&> ```x```' }));
    await slack.waitFor((r) => r.length === 1);
    const [req] = slack.requests;
    expect(req!.path).toBe('/services/T000/B000/XXXXSECRET');
    expect(req!.headers['content-type']).toBe('application/json');
    const body = req!.json as Slack;
    expect(body.text).toBe("prodguard: Destructive command blocked: alice@web1 `rm -rf /srv/data &lt;&amp;&gt; '''x'''` rule fs.rm-recursive");
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Destructive command blocked' } });
    expect(body.blocks[1]!.fields!.map((f) => f.text)).toEqual([
      '*Who*\nalice',
      '*Host*\nweb1',
      '*Rule*\nfs.rm-recursive',
      '*Decision*\nblocked (critical)',
    ]);
    // mrkdwn escaped; the fence cannot be closed early by the command
    expect(body.blocks[2]!.text!.text).toBe('```rm -rf /srv/data &lt;&amp;&gt; `\u200b``x`\u200b`````');
    await s.flush(2_000);
    expect((await s.status())[0]).toMatchObject({
      kind: 'alert',
      name: 'ops',
      delivered: 1,
      pending: 0,
      ok: true,
      address: slack.url.replace(/\/services.*/, ''),
    });
  });

  test('mentions and links typed in a command are escaped in the text fallback as in the blocks', async () => {
    const s = sinks();
    s.publish(stored(1, { command: 'echo <!channel> <!here> <@U123> <https://evil.example|click me> a&b' }));
    await slack.waitFor((r) => r.length === 1);
    const body = slack.requests[0]!.json as Slack;
    const escaped = 'echo &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|click me&gt; a&amp;b';
    expect(body.text).toContain(escaped);
    expect(body.blocks[2]!.text!.text).toContain(escaped);
    // Nothing Slack would parse as a mention or a link is left anywhere in the message.
    expect(slack.requests[0]!.body).not.toMatch(/<[!@#]|<https?:/);
  });

  test('a dry run of a critical rule alerts like the real line would, with the default event list', async () => {
    const s = sinks();
    s.publish(stored(1, { decision: 'dry-run', severity: 'critical', command: 'DRY_RUN=1 ./wipe-cluster.sh' }));
    s.publish(stored(2, { decision: 'dry-run', severity: 'high', command: 'kubectl delete ns x --dry-run=server' }));
    await s.flush(5_000);
    expect(slack.accepted().map(seqOf)).toEqual([1]);
    expect((slack.accepted()[0]!.json as Slack).text).toContain('Dry run of a destructive command');
    // A target that wants none of the real line's events gets no dry run either.
    const quiet = sinks({ name: 'quiet', events: ['session-start'] });
    quiet.publish(stored(3, { decision: 'dry-run', severity: 'critical' }));
    await quiet.flush(5_000);
    expect(slack.accepted().map(seqOf)).toEqual([1]);
  });

  test('filters: allowed rows, low severities and unlisted events do not alert; session start does when listed', async () => {
    const s = sinks({ minSeverity: 'high', events: ['blocked', 'session-start'] });
    s.publish(stored(1, { decision: 'allowed', severity: null }));
    s.publish(stored(2, { decision: 'blocked', severity: 'medium' }));
    s.publish(stored(3, { decision: 'confirmed', severity: 'critical' }));
    s.publish(stored(4, { kind: 'result', decision: null, exit: 0 }));
    s.publish(stored(5, { kind: 'session-start', decision: null, severity: null, command: null, rules: [] }));
    s.publish(stored(6, { decision: 'blocked', severity: 'high' }));
    await s.flush(5_000);
    expect(slack.accepted().map(seqOf)).toEqual([5, 6]);
    expect((slack.requests[0]!.json as Slack).text).toContain('Production shell opened');
  });

  test('verify failure (critical), guard disabled and, when listed, the chain head alert', async () => {
    const s = sinks({ events: ['verify-failed', 'disabled', 'chain-head'], minSeverity: 'critical' });
    s.verifyFailed('row 17 was edited');
    s.publish(stored(18, { kind: 'disabled', decision: null, severity: null, command: null, rules: [] }));
    s.publishHead({ seq: 18, hash: 'a'.repeat(64), ts: Date.now() });
    await s.flush(5_000);
    expect(slack.accepted().map((r) => (r.json as Slack).text)).toEqual([
      'prodguard: Audit chain verification FAILED: web1 row 17 was edited',
      'prodguard: Guard disabled in a production shell: alice@web1',
      `prodguard: Audit chain head: web1 audit chain head seq 18 hash ${'a'.repeat(64)}`,
    ]);
  });

  test('publish never throws: a malformed row is skipped and logged, its neighbours still go out', async () => {
    const s = sinks();
    s.publish(stored(1));
    expect(() => s.publish({ seq: 2 } as unknown as ReturnType<typeof stored>)).not.toThrow();
    s.publish(stored(3));
    await s.flush(5_000);
    expect(slack.accepted().map(seqOf)).toEqual([1, 3]);
    expect(log.lines().some((l) => l.msg === 'sinks: skipped a malformed row' && l.seq === 2)).toBe(true);
  });

  test('500 then 200: retried with backoff, delivered once', async () => {
    slack.script({ status: 500 }, { status: 500 });
    const s = sinks();
    s.publish(stored(1));
    await slack.waitFor((r) => r.length === 3);
    await s.flush(2_000);
    expect(slack.requests.map((r) => r.answer)).toEqual([500, 500, 200]);
    expect(slack.accepted().map(seqOf)).toEqual([1]);
    expect(log.lines().some((l) => l.msg === 'alert delivery failed; will retry' && l.target === 'ops')).toBe(true);
  });

  test('429 with Retry-After: the next request waits at least that long', async () => {
    slack.script({ status: 429, retryAfter: 1 });
    const s = sinks();
    s.publish(stored(1));
    s.publish(stored(2));
    await slack.waitFor((r) => slack.accepted().length === 2, 10_000);
    const [limited, next] = slack.requests;
    expect(limited!.answer).toBe(429);
    expect(next!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(slack.accepted().map(seqOf)).toEqual([1, 2]);
  });

  test('a receiver that hangs past timeoutMs: the request is abandoned and retried', async () => {
    slack.script({ hang: true });
    const s = sinks({ timeoutMs: 200 });
    s.publish(stored(1));
    await slack.waitFor(() => slack.accepted().length === 1);
    expect(slack.requests.map((r) => r.answer)).toEqual(['hang', 200]);
    await s.flush(2_000);
    const st = (await s.status())[0]!;
    expect(st).toMatchObject({ delivered: 1, pending: 0 });
  });

  test('restart mid-retry: a new createSinks on the same dataDir delivers every alert exactly once', async () => {
    slack.setFallback({ status: 500 });
    const first = sinks();
    for (let i = 1; i <= 5; i++) first.publish(stored(i));
    // every alert has failed at least once; one may be in flight: close lets it finish and
    // records its outcome, so the receiver never holds a message the next start sends again
    await slack.waitFor((r) => new Set(r.map(seqOf)).size === 5);
    await first.close();
    expect(slack.accepted()).toHaveLength(0);

    slack.setFallback({ status: 200 });
    const second = sinks();
    // the daemon republishing rows it was unsure about must not duplicate them
    for (let i = 1; i <= 5; i++) second.publish(stored(i));
    await second.flush(10_000);
    expect(slack.accepted().map(seqOf).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await second.status())[0]).toMatchObject({ delivered: 5, pending: 0, gaveUp: 0 });
  });

  test('config reload: a second createSinks on the same dataDir takes over; nothing is sent twice', async () => {
    slack.setFallback({ status: 500 });
    const first = sinks();
    for (let i = 1; i <= 5; i++) first.publish(stored(i));
    await slack.waitFor((r) => new Set(r.map(seqOf)).size === 5);
    slack.setFallback({ status: 200 });
    // the daemon creates the new instance first and closes the old one after
    const second = sinks();
    second.publish(stored(6));
    await second.flush(10_000);
    await first.close();
    expect(slack.accepted().map(seqOf).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await second.status())[0]).toMatchObject({ delivered: 6, pending: 0 });
  });

  test('gives up after maxAgeMinutes and records it (status, counter across restarts, log)', async () => {
    slack.setFallback({ status: 500 });
    // a "minute" of 150 ms: the alert is given up after ~150 ms of failures
    const s = sinks({ maxAgeMinutes: 1 }, { minuteMs: 150 });
    s.publish(stored(1));
    await slack.waitFor((r) => r.length >= 1);
    await s.flush(5_000);
    const st = (await s.status())[0]!;
    expect(st).toMatchObject({ pending: 0, delivered: 0, gaveUp: 1, ok: false });
    expect(st.lastError).toMatch(/HTTP 500/);
    expect(log.lines().some((l) => l.msg === 'alerts given up' && String(l.reason).includes('maxAgeMinutes'))).toBe(true);
    await s.close();
    open = [];
    const again = sinks();
    expect((await again.status())[0]).toMatchObject({ gaveUp: 1 });
    expect(slack.accepted()).toHaveLength(0);
  });

  test('a permanent 4xx (404 no_service) is given up at once, not retried for a day', async () => {
    slack.setFallback({ status: 404, body: 'no_service' });
    const s = sinks();
    s.publish(stored(1));
    await s.flush(5_000);
    expect(slack.requests).toHaveLength(1);
    expect((await s.status())[0]).toMatchObject({ gaveUp: 1, pending: 0 });
    expect((await s.status())[0]!.lastError).toContain('HTTP 404: no_service');
  });

  test('rate limit: a burst of 20 becomes 2 messages and 1 summary of the other 18; more waits for the window', async () => {
    const s = sinks({ perMinute: 3 });
    for (let i = 1; i <= 20; i++) s.publish(stored(i, { decision: i % 2 ? 'blocked' : 'confirmed' }));
    await s.flush(5_000);
    expect(slack.requests).toHaveLength(3);
    const summary = slack.requests[2]!.json as Slack;
    expect(summary.text).toBe('prodguard: 18 alerts in a burst (9 blocked, 9 confirmed); rate limit reached, summarised');
    expect(summary.blocks[0]!.text!.text).toBe('18 prodguard alerts (summarised)');
    // the summary lists the first 20 items at most and says how many more
    expect(summary.blocks[2]!.text!.text.split('\n')).toHaveLength(18);

    // the window (one real minute here) is full: a new alert is held, not sent, not lost
    s.publish(stored(21));
    await s.flush(300);
    expect(slack.requests).toHaveLength(3);
    expect((await s.status())[0]).toMatchObject({ pending: 1, delivered: 3 });
  });

  test('rate window reopens: held alerts go out as a summary when one slot frees', async () => {
    const s = sinks({ perMinute: 1 }, { minuteMs: 400 });
    s.publish(stored(1));
    await slack.waitFor((r) => r.length === 1);
    for (let i = 2; i <= 6; i++) s.publish(stored(i));
    await slack.waitFor((r) => r.length === 2, 5_000);
    const second = slack.requests[1]!;
    expect(second.at - slack.requests[0]!.at).toBeGreaterThanOrEqual(400);
    expect((second.json as Slack).text).toMatch(/^prodguard: 5 alerts in a burst/);
    await s.flush(2_000);
    expect((await s.status())[0]).toMatchObject({ pending: 0, delivered: 2 });
  });
});
