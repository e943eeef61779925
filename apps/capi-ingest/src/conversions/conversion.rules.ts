import { createHash } from 'node:crypto';
import { parseUsd, type ConversionEventDto, type StoredConversion } from '@outcomes/contracts';

export const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
export const MAX_AHEAD_MS = 10 * 60 * 1000;

/** Why an event's time is refused, or null: at most 7 days old, at most 10 minutes ahead of us. */
export function timingProblem(eventTime: Date, now: Date): string | null {
  if (now.getTime() - eventTime.getTime() > MAX_AGE_MS) return 'is more than 7 days old';
  if (eventTime.getTime() - now.getTime() > MAX_AHEAD_MS) return 'is more than 10 minutes ahead';
  return null;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Builds the conversion as the event stores it (`StoredConversion`: fields at their defaults left
 * out, the buyer and the time of receipt said once by the event). The raw notes go no further
 * than this function: only their SHA-256 is kept.
 */
export function record(e: ConversionEventDto, outcomeIds: readonly string[]): StoredConversion {
  const c: { -readonly [K in keyof StoredConversion]: StoredConversion[K] } = { eventId: e.event_id, eventType: e.event_type, eventTime: new Date(e.event_time).toISOString(), outcomeIds };
  if (e.session_id !== undefined) c.sessionId = e.session_id;
  if (e.success_criteria_results !== undefined) c.successCriteriaResults = e.success_criteria_results;
  if (e.outcome_value !== undefined) {
    c.outcomeValue = { amountMicros: parseUsd(e.outcome_value.amount), currency: 'USD', ...(e.outcome_value.value_type !== undefined ? { valueType: e.outcome_value.value_type } : {}) } as StoredConversion['outcomeValue'];
  }
  if (e.verification !== undefined) c.verification = e.verification;
  if (e.source !== undefined && e.source !== 'self_report') c.source = e.source;
  if (e.score !== undefined) c.score = e.score;
  if (e.labels !== undefined && e.labels.length > 0) c.labels = e.labels;
  if (e.notes !== undefined) c.notesSha256 = sha256(e.notes);
  if (e.test_event_code) c.test = { code: e.test_event_code };
  if (e.claim !== undefined) c.claim = { claimType: e.claim.claim_type, description: e.claim.description, requestedMicros: parseUsd(e.claim.requested_amount) };
  if (e.claim_id !== undefined) c.claimId = e.claim_id;
  if (e.rating !== undefined) c.rating = e.rating;
  return c;
}
