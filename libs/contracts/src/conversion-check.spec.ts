import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import fc from 'fast-check';
import { checkConversionBatch, checkConversionEvent, checkIngestCaller, describeProblems } from './conversion-check';
import { ConversionEventDto } from './conversions.dto';

/** The fields class-validator finds wrong in the DTO: the reference the fast checker must match. */
const referenceFields = (raw: unknown): string[] => {
  const flat = (errors: readonly ValidationError[], path = ''): string[] =>
    errors.flatMap((e) => {
      const at = path === '' ? e.property : `${path}.${e.property}`;
      return [...(Object.keys(e.constraints ?? {}).length > 0 ? [at] : []), ...flat(e.children ?? [], at)];
    });
  return [...new Set(flat(validateSync(plainToInstance(ConversionEventDto, raw), { whitelist: true, forbidNonWhitelisted: true })))].sort();
};
const fastFields = (raw: unknown): string[] => [...new Set(checkConversionEvent(raw).problems.map((p) => p.field))].sort();

const OUT = 'out_01J0000000000000000000000A';
const valid = { event_id: 'zd-1', event_type: 'outcome.success', event_time: '2026-11-29T10:00:00Z', outcome_id: OUT };

// Each field: undefined, good values and bad ones.
const field = (...values: unknown[]) => fc.constantFrom<unknown>(undefined, ...values);
const sample = fc.record(
  {
    event_id: field('zd-1', 'a', '', '-x', 'x'.repeat(129), 42),
    event_type: field('outcome.success', 'guarantee.claim', 'guarantee.withdraw', 'feedback.rating', 'outcome.won', 7),
    event_time: field('2026-11-29T10:00:00Z', '2026-11-29T10:00:00.123+01:00', 'yesterday', '2026-13-40T10:00:00Z', 12),
    outcome_id: field(OUT, 'out_x', 5),
    session_id: field('sess_01J0000000000000000000000A', 'sess_'),
    success_criteria_results: field({ a: true }, [1], 'x'),
    outcome_value: field({ amount: '15.00' }, { amount: '15.00', currency: 'USD', value_type: 'ticket' }, { amount: 15 }, { amount: '1.00', currency: 'EUR' }, { amount: '1.00', extra: 1 }, 'x'),
    source: field('webhook', 'telepathy'),
    score: field(0, 0.5, 1, 1.5, -0.1, '0.5'),
    labels: field(['vip'], ['VIP'], [], Array.from({ length: 21 }, () => 'x'), 'vip'),
    notes: field('fine', '', 'x'.repeat(10_001)),
    test_event_code: field('TEST1', 'bad code'),
    claim: field({ claim_type: 'outcome_failed', description: 'missed a bug', requested_amount: '50.00' }, { claim_type: 'Outcome', description: '', requested_amount: '0' }, 'x'),
    claim_id: field('clm_01J0000000000000000000000A', 'clm_x'),
    rating: field(1, 5, 0, 4.5, '3'),
    surprise: field('unexpected'),
  },
  { requiredKeys: [] },
);
const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

describe('checkConversionEvent', () => {
  it('accepts a valid event and names what is wrong', () => {
    expect(checkConversionEvent(valid)).toEqual({ event: valid, problems: [] });
    expect(checkConversionEvent({ ...valid, rating: 3 }, 'events[2]').problems).toEqual([{ field: 'events[2].rating', reason: 'rating applies only when event_type is feedback.rating' }]);
    expect(checkConversionEvent('nope').problems).toEqual([{ field: 'body', reason: 'must be an object' }]);
  });

  it('finds the same wrong fields as the DTO with class-validator, on any mix of good and bad fields', () => {
    fc.assert(
      fc.property(sample, (raw) => {
        const o = strip(raw);
        expect(fastFields(o)).toEqual(referenceFields(o));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkConversionBatch and checkIngestCommand', () => {
  it('takes 1 to 1,000 events without copying them, and names what is wrong with the envelope', () => {
    const events = [valid, { nonsense: true }];
    expect(checkConversionBatch({ events }).events).toBe(events);
    expect(checkConversionBatch({ events: Array.from({ length: 1000 }, () => valid) }).problems).toEqual([]);
    expect(checkConversionBatch({ events: Array.from({ length: 1001 }, () => valid) }).problems).toEqual([{ field: 'events', reason: 'events must contain no more than 1000 events' }]);
    expect(checkConversionBatch({ events: [] }).problems).toEqual([{ field: 'events', reason: 'events must contain at least 1 event' }]);
    expect(checkConversionBatch({ events: valid, extra: 1 })).toEqual({
      events: null,
      problems: [
        { field: 'extra', reason: 'property extra should not exist' },
        { field: 'events', reason: 'events must be an array' },
      ],
    });
    expect(checkConversionBatch([valid]).problems).toEqual([{ field: 'body', reason: 'must be an object' }]);
  });

  it('checks who reports a batch', () => {
    expect(checkIngestCaller('buy_01J0000000000000000000000A', 'key:k1')).toEqual([]);
    expect(checkIngestCaller('out_01J0000000000000000000000A', '').map((p) => p.field)).toEqual(['buyer_id', 'actor']);
    expect(describeProblems(checkIngestCaller(undefined, 'key:k1'))).toBe('1 invalid field: buyer_id');
  });
});
