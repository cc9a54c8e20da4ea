import { createHmac } from 'node:crypto';

// Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64
// key bytes; the signature is base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), sent as
// `webhook-signature: v1,<sig>` with `webhook-id` and `webhook-timestamp` (unix seconds).

export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (!key.length) throw new Error('webhook secret is empty; use "whsec_" followed by base64 key bytes');
  return key;
}

export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(secret: string | undefined, id: string, timestampSec: number, body: string): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestampSec) };
  if (secret) headers['webhook-signature'] = sign(secret, id, timestampSec, body);
  return headers;
}
