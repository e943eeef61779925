import { encodeJson, type Bus } from '@outcomes/bus';
import type { HandoffTarget } from '@outcomes/contracts';
import { postSigned, WebhookFailed } from '@outcomes/platform';

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

export interface Delivery {
  readonly destination: string;
  readonly attempts: number;
  /** Null when delivered. */
  readonly failure: string | null;
}

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
      const secret = d.credentials?.['signing_secret'] ?? Object.values(d.credentials ?? {})[0];
      try {
        const sent = await postSigned({ url: d.url, body: pkg, idempotencyKey: pkg.handoff_id, ...(secret ? { secret } : {}), timeoutMs: 10_000, attempts: retries + 1 });
        return { destination: 'webhook', attempts: sent.attempts, failure: null };
      } catch (err) {
        if (!(err instanceof WebhookFailed)) throw err;
        return { destination: 'webhook', attempts: err.attempts, failure: err.message };
      }
    }
    default: {
      const unhandled: never = d;
      throw new Error(`unhandled destination ${String(unhandled)}`);
    }
  }
}
