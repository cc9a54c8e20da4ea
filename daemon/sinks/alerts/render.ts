import type { AlertItem, SummaryItem } from './items.js';

// Message bodies. Slack: Block Kit with the `text` fallback (notifications, screen readers).
// Webhook: `{type, timestamp, data}` as the Standard Webhooks spec recommends.

export type Payload = { kind: 'event'; item: AlertItem } | { kind: 'summary'; summary: SummaryItem };

const TITLES: Record<string, string> = {
  confirmed: 'Destructive command confirmed',
  blocked: 'Destructive command blocked',
  cancelled: 'Destructive command cancelled',
  'dry-run': 'Dry run of a destructive command',
  'session-start': 'Production shell opened',
  disabled: 'Guard disabled in a production shell',
  'verify-failed': 'Audit chain verification FAILED',
  'chain-head': 'Audit chain head',
  test: 'Test message from prodguard',
};

export function renderBody(type: 'slack' | 'webhook', p: Payload): string {
  return JSON.stringify(type === 'slack' ? slackMessage(p) : webhookMessage(p));
}

function webhookMessage(p: Payload): unknown {
  if (p.kind === 'summary') {
    return { type: 'prodguard.summary', timestamp: new Date(p.summary.to).toISOString(), data: p.summary };
  }
  return { type: `prodguard.${p.item.event}`, timestamp: new Date(p.item.ts).toISOString(), data: p.item };
}

function slackMessage(p: Payload): { text: string; blocks: unknown[] } {
  if (p.kind === 'summary') return slackSummary(p.summary);
  const it = p.item;
  const title = TITLES[it.event] ?? it.event;
  const who = it.user || '-';
  const where = it.user ? `${it.user}@${it.host}` : it.host;
  const rule = it.rules.length ? it.rules.join(', ') : '-';
  const decision = it.decision ? `${it.decision}${it.severity ? ` (${it.severity})` : ''}` : it.event;
  // The fallback `text` is mrkdwn too (notifications, screen readers): escaped like the blocks, so
  // `<!channel>` or `<https://x|click>` typed in a command neither pings nor links.
  const text = `prodguard: ${title}: ${esc(where)}${it.command ? ` \`${esc(oneLine(it.command, 200)).replace(/`/g, "'")}\`` : ''}${it.rules.length ? ` rule ${esc(rule)}` : ''}${it.detail ? ` ${esc(it.detail)}` : ''}`;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title } },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Who*\n${esc(who)}`),
        mrkdwn(`*Host*\n${esc(it.host || '?')}`),
        mrkdwn(`*Rule*\n${esc(rule)}`),
        mrkdwn(`*Decision*\n${esc(decision)}`),
      ],
    },
  ];
  if (it.command) blocks.push({ type: 'section', text: mrkdwn(codeBlock(it.command)) });
  if (it.detail) blocks.push({ type: 'section', text: mrkdwn(esc(it.detail)) });
  const ctx = [it.session && `session ${it.session}`, it.seq !== null && `seq ${it.seq}`, it.cwd && `cwd ${it.cwd}`, new Date(it.ts).toISOString()]
    .filter(Boolean)
    .join(' · ');
  blocks.push({ type: 'context', elements: [mrkdwn(esc(ctx))] });
  return { text, blocks };
}

function slackSummary(s: SummaryItem): { text: string; blocks: unknown[] } {
  const counts = Object.entries(s.byEvent)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const hosts = [...new Set(s.items.map((i) => i.host))].join(', ');
  const text = `prodguard: ${s.count} alerts in a burst (${counts}); rate limit reached, summarised`;
  const lines = s.items.map(
    (i) => `• ${esc(i.event)} ${esc(i.user || '?')}@${esc(i.host)} ${i.command ? `\`${esc(oneLine(i.command, 120)).replace(/`/g, "'")}\`` : ''}`,
  );
  if (s.count > s.items.length) lines.push(`…and ${s.count - s.items.length} more (see \`prodguard log\`)`);
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${s.count} prodguard alerts (summarised)` } },
      {
        type: 'section',
        text: mrkdwn(esc(`${counts}${hosts ? ` on ${hosts}` : ''}, ${new Date(s.from).toISOString()} to ${new Date(s.to).toISOString()}`)),
      },
      { type: 'section', text: mrkdwn(lines.join('\n').slice(0, 2900)) },
    ],
  };
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text };
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting). */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fenced block cannot contain ``` : break such runs with a zero-width space. */
function codeBlock(cmd: string): string {
  const body = esc(cmd.length > 2800 ? `${cmd.slice(0, 2800)}…` : cmd).replace(/```/g, '`\u200b``');
  return `\`\`\`${body}\`\`\``;
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
