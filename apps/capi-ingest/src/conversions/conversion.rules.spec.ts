import { conversionsOf, type ConversionEventDto } from '@outcomes/contracts';
import { record, sha256, timingProblem } from './conversion.rules';

const now = new Date('2026-11-29T12:00:00.000Z');

describe('conversion rules', () => {
  it('takes events up to 7 days old and 10 minutes ahead, and refuses the rest', () => {
    expect(timingProblem(new Date('2026-11-22T12:00:00.000Z'), now)).toBeNull();
    expect(timingProblem(new Date('2026-11-22T11:59:59.999Z'), now)).toBe('is more than 7 days old');
    expect(timingProblem(new Date('2026-11-29T12:10:00.000Z'), now)).toBeNull();
    expect(timingProblem(new Date('2026-11-29T12:10:00.001Z'), now)).toBe('is more than 10 minutes ahead');
  });

  it('records money in micro-dollars and the notes only as their SHA-256', () => {
    const e: ConversionEventDto = {
      event_id: 'zd_1',
      event_type: 'outcome.success',
      event_time: '2026-11-29T11:00:00+01:00',
      outcome_id: 'out_01J0000000000000000000000A',
      outcome_value: { amount: '15.25', value_type: 'ticket_value' },
      notes: 'customer confirmed on the phone, account 4411',
      labels: ['vip'],
    };
    const stored = record(e, ['out_01J0000000000000000000000A']);
    const [r] = conversionsOf({ buyerId: 'buy_1', batch: 'b1', receivedAt: now.toISOString(), conversions: [stored] });
    expect(stored).not.toHaveProperty('source');
    expect(r).toMatchObject({ eventTime: '2026-11-29T10:00:00.000Z', outcomeValue: { amountMicros: 15_250_000, currency: 'USD', valueType: 'ticket_value' }, source: 'self_report', test: null });
    expect(r!.notesSha256).toBe(sha256('customer confirmed on the phone, account 4411'));
    expect(r!.notesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain('account 4411');
  });
});
