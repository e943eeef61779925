import { encodeJson, type Bus } from '@outcomes/bus';
import type { HandoffTarget } from '@outcomes/contracts';
import { postSigned, WebhookFailed } from '@outcomes/platform';
import { createTransport } from 'nodemailer';

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

/** Sends mail through the operator's SMTP relay (`SMTP_URL`). */
export interface Mailer {
  send(message: { readonly to: string; readonly subject: string; readonly text: string; readonly headers: Record<string, string>; readonly attachment: { readonly filename: string; readonly content: string } }): Promise<void>;
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = createTransport(url);
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, headers: m.headers, attachments: [{ ...m.attachment, contentType: 'application/json' }] });
    },
  };
}

/** The e-mail a human reads: why it escalated, what was done, and the whole package attached as JSON. */
export function handoffEmail(pkg: HandoffPackage, to: string, template: string | null) {
  const lines = [
    `Outcome ${pkg.outcome_id} (configuration ${pkg.config_id}) needs a person.`,
    '',
    `Why: ${pkg.escalation_reason.trigger}${pkg.escalation_reason.details ? ` (${pkg.escalation_reason.details})` : ''}`,
    `Work completed: ${pkg.work_completed.percentage}%`,
    ...(typeof pkg.summary === 'string' ? ['', 'Summary:', pkg.summary] : []),
    ...(pkg.context ? ['', 'Request:', JSON.stringify(pkg.context, null, 2)] : []),
    ...(Array.isArray(pkg.transcript) && pkg.transcript.length > 0 ? ['', 'Transcript:', JSON.stringify(pkg.transcript, null, 2)] : []),
    '',
    `Hand-off ${pkg.handoff_id}, escalated at ${pkg.timestamp}. The full package is attached.`,
  ];
  return {
    to,
    subject: `[Outcomes] Escalated: ${pkg.outcome_id} (${pkg.escalation_reason.trigger})`,
    text: lines.join('\n'),
    // The hand-off id identifies a repeat delivery to the receiving system.
    headers: { 'X-Outcomes-Handoff-Id': pkg.handoff_id, 'X-Outcomes-Priority': pkg.priority, ...(template ? { 'X-Outcomes-Template': template } : {}) },
    attachment: { filename: `${pkg.handoff_id}.json`, content: JSON.stringify(pkg, null, 2) },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends the package: a signed webhook POST with retries and backoff (the hand-off id is its
 * idempotency key, so a receiver that saw it already can drop it), an e-mail through the SMTP
 * relay, or a NATS subject for queue destinations. One call is one round; the caller schedules
 * the next round after a failure.
 */
export async function deliver(bus: Bus, target: NonNullable<HandoffTarget>, pkg: HandoffPackage, mailer: Mailer | undefined, retries = 2): Promise<Delivery> {
  const d = target.destination;
  switch (d.type) {
    case 'queue':
      bus.nc.publish(bus.subject(`handoff.${d.queue_name.replace(/[^A-Za-z0-9_-]/g, '_')}`), encodeJson(pkg));
      await bus.nc.flush();
      return { destination: 'queue', attempts: 1, failure: null };
    case 'email': {
      if (!mailer) return { destination: 'email', attempts: 0, failure: 'no mail relay is configured (set SMTP_URL on the auction service)' };
      let failure = '';
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        try {
          await mailer.send(handoffEmail(pkg, d.address, d.template));
          return { destination: 'email', attempts: attempt, failure: null };
        } catch (err) {
          failure = err instanceof Error ? err.message : String(err);
          // A permanent refusal (5xx from the relay) will not change on a retry within this round.
          if ((err as { responseCode?: number }).responseCode !== undefined && (err as { responseCode: number }).responseCode >= 500) return { destination: 'email', attempts: attempt, failure };
        }
        if (attempt <= retries) await sleep(250 * 2 ** (attempt - 1));
      }
      return { destination: 'email', attempts: retries + 1, failure };
    }
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
