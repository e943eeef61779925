import { createHmac } from 'node:crypto';
import { encodeJson, type Bus } from '@outcomes/bus';
import type { HandoffTarget } from '@outcomes/contracts';

/** What a human on the buyer's side receives when an outcome escalates. */
export interface HandoffPackage {
  readonly handoff_id: string;
  readonly outcome_id: string;
  readonly config_id: string;
  readonly escalation_reason: { readonly trigger: string; readonly details: string };
  readonly summary: unknown;
  readonly transcript: unknown;
  readonly context: unknown;
  readonly work_completed: { readonly percentage: number };
  readonly priority: 'normal' | 'urgent';
  readonly timestamp: string;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: the receiver recomputes it with the shared secret and checks `t` is recent. */
export function signature(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

export interface Delivery {
  readonly destination: string;
  readonly attempts: number;
  /** Null when delivered. */
  readonly failure: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the package: a signed webhook POST with retries and backoff (the hand-off id is its
 * idempotency key, so a receiver that saw it already can drop it), or a NATS subject for queue
 * destinations. Email needs a mail relay this platform does not have yet: reported as a failure.
 */
export async function deliver(bus: Bus, target: NonNullable<HandoffTarget>, pkg: HandoffPackage, retries = 3): Promise<Delivery> {
  const d = target.destination;
  switch (d.type) {
    case 'queue':
      bus.nc.publish(bus.subject(`handoff.${d.queue_name.replace(/[^A-Za-z0-9_-]/g, '_')}`), encodeJson(pkg));
      await bus.nc.flush();
      return { destination: 'queue', attempts: 1, failure: null };
    case 'email':
      return { destination: 'email', attempts: 0, failure: 'email hand-offs need a mail relay, which this platform does not configure yet' };
    case 'webhook': {
      const body = JSON.stringify(pkg);
      const secret = d.credentials?.['signing_secret'] ?? Object.values(d.credentials ?? {})[0];
      let last = '';
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': pkg.handoff_id };
        if (secret) headers['outcomes-signature'] = signature(secret, body, Math.floor(Date.now() / 1000));
        try {
          const res = await fetch(d.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
          if (res.ok) return { destination: 'webhook', attempts: attempt, failure: null };
          last = `HTTP ${res.status}`;
          if (res.status < 500 && res.status !== 429) break;
        } catch (err) {
          last = err instanceof Error ? err.message : String(err);
        }
        if (attempt <= retries) await sleep(250 * 2 ** (attempt - 1));
      }
      return { destination: 'webhook', attempts: retries + 1, failure: last };
    }
    default: {
      const unhandled: never = d;
      throw new Error(`unhandled destination ${String(unhandled)}`);
    }
  }
}
