// One POST with a hard timeout; the outcome says whether to retry and when.

export interface HttpOutcome {
  ok: boolean;
  status: number | null;
  /** From a 429/503 Retry-After header. */
  retryAfterMs: number | null;
  /** A failure retrying cannot fix (4xx other than 408/425/429). */
  permanent: boolean;
  error: string | null;
  durationMs: number;
}

const RETRY_AFTER_MAX_MS = 60 * 60_000;

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<HttpOutcome> {
  const started = Date.now();
  const signal = cancel ? AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'prodguard', ...headers },
      body,
      signal,
      // a signed payload is never replayed to wherever a redirect points
      redirect: 'manual',
    });
    const text = await res.text().catch(() => '');
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
      permanent: !ok && res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status),
      error: ok ? null : `HTTP ${res.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    const e = err as Error;
    const timedOut = e.name === 'TimeoutError' || (e.name === 'AbortError' && !cancel?.aborted);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      status: null,
      retryAfterMs: null,
      permanent: false,
      error: timedOut ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? e.message),
      durationMs: Date.now() - started,
    };
  }
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms));
}

/** The origin of a URL only: a Slack webhook's path is its credential. */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}
