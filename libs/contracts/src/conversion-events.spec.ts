import fc from 'fast-check';
import { chunkConversions, conversionsOf, type ConversionRecord, type StoredConversion } from './conversion-events';
import { CONVERSION_EVENT_TYPES, CONVERSION_SOURCES } from './conversions.dto';

const BUYER = 'buy_01J0000000000000000000000A';
const RECEIVED = '2026-12-05T07:00:00.000Z';

const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const record: fc.Arbitrary<ConversionRecord> = fc.record({
  buyerId: fc.constant(BUYER),
  eventId: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  eventType: fc.constantFrom(...CONVERSION_EVENT_TYPES),
  eventTime: fc.constant('2026-12-05T06:59:00.000Z'),
  receivedAt: fc.constant(RECEIVED),
  outcomeIds: fc.array(fc.constantFrom('out_01J0000000000000000000000A', 'out_01J0000000000000000000000B'), { minLength: 1, maxLength: 3 }),
  sessionId: orNull(fc.constant('sess_01J0000000000000000000000A')),
  successCriteriaResults: orNull(fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.boolean())),
  outcomeValue: orNull(fc.record({ amountMicros: fc.nat(), currency: fc.constant('USD' as const), valueType: orNull(fc.constantFrom('revenue', 'saved')) })),
  verification: orNull(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string())),
  source: fc.constantFrom(...CONVERSION_SOURCES),
  score: orNull(fc.double({ min: 0, max: 1, noNaN: true })),
  labels: fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 3 }),
  notesSha256: orNull(fc.stringMatching(/^[0-9a-f]{64}$/)),
  test: orNull(fc.record({ code: fc.constant('TEST1') })),
  claim: orNull(fc.record({ claimType: fc.constant('outcome_failed'), description: fc.string({ minLength: 1 }), requestedMicros: fc.integer({ min: 1 }) })),
  claimId: orNull(fc.constant('clm_01J0000000000000000000000A')),
  rating: orNull(fc.integer({ min: 1, max: 5 })),
});

describe('stored conversions', () => {
  it('read back whole from the compact form: what is there is kept, what is left out is its default', () => {
    const compact = (r: ConversionRecord): StoredConversion =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k, v]) => v !== null && !(k === 'labels' && (v as string[]).length === 0) && !(k === 'source' && v === 'self_report') && k !== 'buyerId' && k !== 'receivedAt')
          .map(([k, v]) => [k, k === 'outcomeValue' && (v as { valueType: unknown }).valueType === null ? { amountMicros: (v as { amountMicros: number }).amountMicros, currency: 'USD' } : v]),
      ) as unknown as StoredConversion;
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        const data = { buyerId: BUYER, batch: 'b1', receivedAt: RECEIVED, conversions: records.map(compact) };
        expect(conversionsOf(data)).toEqual(records);
      }),
    );
  });

  it('read events recorded before the compact form, which carry every field on each conversion', () => {
    const r: ConversionRecord = {
      buyerId: BUYER,
      eventId: 'zd-1',
      eventType: 'outcome.success',
      eventTime: '2026-12-05T06:59:00.000Z',
      receivedAt: RECEIVED,
      outcomeIds: ['out_01J0000000000000000000000A'],
      sessionId: null,
      successCriteriaResults: null,
      outcomeValue: { amountMicros: 12_500_000, currency: 'USD', valueType: null },
      verification: null,
      source: 'webhook',
      score: null,
      labels: ['vip'],
      notesSha256: null,
      test: null,
      claim: null,
      claimId: null,
      rating: null,
    };
    expect(conversionsOf({ buyerId: 'buy_other', batch: 'b0', conversions: [r] })).toEqual([r]);
  });

  it('split into events under the size bound, in order, a large one alone', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.integer({ min: 200, max: 4000 }), (records, maxBytes) => {
        const stored: StoredConversion[] = records;
        const chunks = chunkConversions(stored, maxBytes);
        expect(chunks.flat()).toEqual(stored);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          if (chunk.length > 1) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });
});
