import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed HTTPS calls out of the platform (engine webhooks, hand-off destinations). The signature
 * header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: the receiver recomputes it with
 * the shared secret and checks that `t` is recent, so a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'outcomes-signature';

export function signPayload(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** The receiver's side: whether `header` signs `body` with `secret` within `toleranceSeconds` of `nowSeconds`. */
export function verifyPayload(secret: string, body: string, header: string | undefined, nowSeconds: number, toleranceSeconds = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, body, t).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

export interface SignedPost {
  readonly url: string;
  readonly body: unknown;
  /** Sent as `Idempotency-Key` on every attempt: the receiver drops a repeat it already handled. */
  readonly idempotencyKey: string;
  /** Signs the body when given. */
  readonly secret?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly attempts: number;
  /** The first retry's delay; each later one doubles it. */
  readonly backoffMs?: number;
}

export interface PostResult {
  readonly status: number;
  readonly text: string;
  readonly attempts: number;
}

export class WebhookFailed extends Error {
  constructor(
    readonly attempts: number,
    /** The last HTTP status, or null when there was no answer (refused, timed out). */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookFailed';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * POSTs JSON, retrying with exponential backoff on no answer, 5xx and 429; a 2xx is returned, and
 * any other 4xx ends it at once (a receiver that refuses will not change its mind).
 */
export async function postSigned(p: SignedPost): Promise<PostResult> {
  const body = JSON.stringify(p.body);
  let last: WebhookFailed = new WebhookFailed(0, null, 'not sent');
  for (let attempt = 1; attempt <= p.attempts; attempt++) {
    const headers: Record<string, string> = { ...p.headers, 'content-type': 'application/json', 'idempotency-key': p.idempotencyKey };
    if (p.secret) headers[SIGNATURE_HEADER] = signPayload(p.secret, body, Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(p.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(p.timeoutMs) });
      const text = await res.text();
      if (res.ok) return { status: res.status, text, attempts: attempt };
      last = new WebhookFailed(attempt, res.status, `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      if (res.status < 500 && res.status !== 429) throw last;
    } catch (err) {
      if (err instanceof WebhookFailed) throw err;
      const e = err as { name?: string; message?: string; cause?: { code?: string } };
      last = new WebhookFailed(attempt, null, e.name === 'TimeoutError' ? `no answer within ${p.timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err)));
    }
    if (attempt < p.attempts) await sleep((p.backoffMs ?? 250) * 2 ** (attempt - 1));
  }
  throw last;
}
