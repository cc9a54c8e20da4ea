import type { AlertTarget } from '../../config/schema.js';
import { postJson, type HttpOutcome } from './http.js';
import { bareItem } from './items.js';
import { renderBody, type Payload } from './render.js';
import { webhookHeaders } from './sign.js';
import { newMessageId } from './ids.js';

// One delivery attempt of one message to one target: render, sign (webhooks, with a timestamp of
// this attempt), POST with the target's timeout. Used by the outbox loop and `alert test`.

export function deliver(t: AlertTarget, payload: Payload, msgId: string, cancel?: AbortSignal): Promise<HttpOutcome> {
  const body = renderBody(t.type, payload);
  const headers = t.type === 'webhook' ? webhookHeaders(t.secret, msgId, Math.floor(Date.now() / 1000), body) : {};
  return postJson(t.url, body, headers, t.timeoutMs, cancel);
}

/** `prodguard alert test`: a test message straight to the target, no outbox, no retry. */
export function sendTestAlert(t: AlertTarget, hostname: string): Promise<HttpOutcome> {
  const item = bareItem('test', hostname, `Test message from \`prodguard alert test\` for target "${t.name}": delivery works.`, Date.now(), {
    user: process.env.USER ?? '',
  });
  return deliver(t, { kind: 'event', item }, newMessageId());
}
