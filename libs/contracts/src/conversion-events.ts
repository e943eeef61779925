import type { ConversionEventType, ConversionSource } from './conversions.dto';

/** A conversion as the platform recorded it: money in micro-dollars, the notes only as their SHA-256. */
export interface ConversionRecord {
  readonly buyerId: string;
  readonly eventId: string;
  readonly eventType: ConversionEventType;
  readonly eventTime: string;
  readonly receivedAt: string;
  /** The outcome, or a session's turns in order. */
  readonly outcomeIds: readonly string[];
  readonly sessionId: string | null;
  readonly successCriteriaResults: Record<string, unknown> | null;
  readonly outcomeValue: { readonly amountMicros: number; readonly currency: 'USD'; readonly valueType: string | null } | null;
  readonly verification: Record<string, unknown> | null;
  readonly source: ConversionSource;
  readonly score: number | null;
  readonly labels: readonly string[];
  readonly notesSha256: string | null;
  readonly test: { readonly code: string } | null;
  readonly claim: { readonly claimType: string; readonly description: string; readonly requestedMicros: number } | null;
  readonly claimId: string | null;
  readonly rating: number | null;
}

/**
 * One conversion inside a `ConversionsReported` event: what the batch shares (buyer, time of
 * receipt) is said once in the event, and a field at its default (null, no labels,
 * `self_report`) is left out. Events recorded before this form carry every field, nulls
 * included; both read alike through `conversionsOf`.
 */
export interface StoredConversion {
  readonly eventId: string;
  readonly eventType: ConversionEventType;
  readonly eventTime: string;
  readonly outcomeIds: readonly string[];
  readonly sessionId?: string | null;
  readonly successCriteriaResults?: Record<string, unknown> | null;
  readonly outcomeValue?: { readonly amountMicros: number; readonly currency: 'USD'; readonly valueType?: string | null } | null;
  readonly verification?: Record<string, unknown> | null;
  readonly source?: ConversionSource;
  readonly score?: number | null;
  readonly labels?: readonly string[];
  readonly notesSha256?: string | null;
  readonly test?: { readonly code: string } | null;
  readonly claim?: { readonly claimType: string; readonly description: string; readonly requestedMicros: number } | null;
  readonly claimId?: string | null;
  readonly rating?: number | null;
  /** Only in events recorded before the compact form. */
  readonly buyerId?: string;
  readonly receivedAt?: string;
}

/** The data of a `ConversionsReported` event: some or all of one batch's new conversions. */
export interface ConversionsReportedData {
  readonly buyerId: string;
  readonly batch: string;
  /** Absent in events recorded before conversions were stored compact (each carried its own). */
  readonly receivedAt?: string;
  readonly conversions: readonly StoredConversion[];
}

/** Every conversion of a `ConversionsReported` event, whole, whichever form it was stored in. */
export function conversionsOf(data: ConversionsReportedData): ConversionRecord[] {
  return data.conversions.map((c) => ({
    buyerId: c.buyerId ?? data.buyerId,
    eventId: c.eventId,
    eventType: c.eventType,
    eventTime: c.eventTime,
    receivedAt: c.receivedAt ?? data.receivedAt ?? c.eventTime,
    outcomeIds: c.outcomeIds,
    sessionId: c.sessionId ?? null,
    successCriteriaResults: c.successCriteriaResults ?? null,
    outcomeValue: c.outcomeValue ? { amountMicros: c.outcomeValue.amountMicros, currency: 'USD', valueType: c.outcomeValue.valueType ?? null } : null,
    verification: c.verification ?? null,
    source: c.source ?? 'self_report',
    score: c.score ?? null,
    labels: c.labels ?? [],
    notesSha256: c.notesSha256 ?? null,
    test: c.test ?? null,
    claim: c.claim ?? null,
    claimId: c.claimId ?? null,
    rating: c.rating ?? null,
  }));
}

/**
 * Splits a batch's stored conversions into events of at most `maxBytes` of JSON each (a single
 * larger conversion gets an event of its own), so no event outgrows a bus message. The order is
 * kept.
 */
export function chunkConversions(conversions: readonly StoredConversion[], maxBytes: number): StoredConversion[][] {
  if (Buffer.byteLength(JSON.stringify(conversions)) <= maxBytes) return [[...conversions]];
  const chunks: StoredConversion[][] = [];
  let current: StoredConversion[] = [];
  // `[a,b]`: the brackets and a comma after each but the last, so 1 + the sum of (bytes + 1).
  let size = 1;
  for (const c of conversions) {
    const bytes = Buffer.byteLength(JSON.stringify(c)) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 1;
    }
    current.push(c);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
