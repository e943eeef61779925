import { createHash } from 'node:crypto';
import { parseUsd, type ConversionEventDto, type ConversionRecord } from '@outcomes/contracts';

export const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
export const MAX_AHEAD_MS = 10 * 60 * 1000;

/** Why an event's time is refused, or null: at most 7 days old, at most 10 minutes ahead of us. */
export function timingProblem(eventTime: Date, now: Date): string | null {
  if (now.getTime() - eventTime.getTime() > MAX_AGE_MS) return 'is more than 7 days old';
  if (eventTime.getTime() - now.getTime() > MAX_AHEAD_MS) return 'is more than 10 minutes ahead';
  return null;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A conversion as it is recorded (the event's form is in the contracts: readers share it). */
export type ConversionRecorded = ConversionRecord;

/** Builds the record: the raw notes go no further than this function. `receivedAt` is ISO 8601 (one per batch). */
export function record(e: ConversionEventDto, buyerId: string, outcomeIds: readonly string[], receivedAt: string): ConversionRecorded {
  return {
    buyerId,
    eventId: e.event_id,
    eventType: e.event_type,
    eventTime: new Date(e.event_time).toISOString(),
    receivedAt,
    outcomeIds,
    sessionId: e.session_id ?? null,
    successCriteriaResults: e.success_criteria_results ?? null,
    outcomeValue: e.outcome_value ? { amountMicros: parseUsd(e.outcome_value.amount), currency: 'USD', valueType: e.outcome_value.value_type ?? null } : null,
    verification: e.verification ?? null,
    source: e.source ?? 'self_report',
    score: e.score ?? null,
    labels: e.labels ?? [],
    notesSha256: e.notes === undefined ? null : sha256(e.notes),
    test: e.test_event_code ? { code: e.test_event_code } : null,
    claim: e.claim ? { claimType: e.claim.claim_type, description: e.claim.description, requestedMicros: parseUsd(e.claim.requested_amount) } : null,
    claimId: e.claim_id ?? null,
    rating: e.rating ?? null,
  };
}
