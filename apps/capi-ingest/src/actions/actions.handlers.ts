import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ServiceRuntime } from '@outcomes/platform';
import { RUNTIME } from '../tokens';

interface Recorded {
  readonly type: string;
  readonly data: { readonly outcomeId?: string; readonly claimId?: string; readonly source?: string | null; readonly cause?: { readonly kind: string; readonly ref: string | null }; readonly reason?: string; readonly at: string };
}

const ACTIONS: Readonly<Record<string, string>> = {
  OutcomeCharged: 'outcome_charged',
  ChargeReleased: 'reservation_released',
  OutcomeRefunded: 'outcome_refunded',
  ConversionNoted: 'noted',
  ClaimFiled: 'claim_filed',
};

/**
 * What each reported event set off, for `GET /v1/events/{id}`: settlement's and claims' events
 * name the conversion that caused them, and the event's row records the action once (a
 * redelivered event finds it there).
 */
@Controller()
export class ActionsHandlers {
  constructor(@Inject(RUNTIME) private readonly rt: ServiceRuntime) {}

  @EventPattern('evt.settlement.>')
  async settled(@Payload() event: Recorded): Promise<void> {
    const cause = event.data.cause;
    if (cause?.kind !== 'conversion' || !cause.ref || !ACTIONS[event.type] || !event.data.outcomeId) return;
    await this.record(cause.ref, event.data.outcomeId, { action: ACTIONS[event.type]!, outcome_id: event.data.outcomeId, ...(event.data.reason ? { reason: event.data.reason } : {}), at: event.data.at });
  }

  @EventPattern('evt.claim.ClaimFiled')
  async claimFiled(@Payload() event: Recorded): Promise<void> {
    const source = event.data.source;
    if (!source?.startsWith('capi:') || !event.data.claimId) return;
    const outcomeId = (event.data as { basis?: { outcomeId?: string } }).basis?.outcomeId;
    if (outcomeId) await this.record(source.slice(5), outcomeId, { action: 'claim_filed', claim_id: event.data.claimId, outcome_id: outcomeId, at: event.data.at });
  }

  private async record(eventId: string, outcomeId: string, action: Record<string, string>): Promise<void> {
    await this.rt.pool.query(
      `UPDATE capi.events SET status = 'processed', processed_at = coalesce(processed_at, now()), actions = actions || $3::jsonb
        WHERE event_id = $1 AND $2 = ANY(outcome_ids) AND NOT test AND NOT actions @> $3::jsonb`,
      [eventId, outcomeId, JSON.stringify([action])],
    );
  }
}
