import fc from 'fast-check';
import { deciderSpec } from '@outcomes/testing';
import { mapEntries } from './persistent-map';
import { available, BudgetRefused, decideBudget, evolveBudget, initialBudgetState, periodBounds, periodKey, type BudgetCommand, type BudgetEvent } from './budget.decide';

const spec = deciderSpec({ decide: decideBudget, evolve: evolveBudget, initialState: initialBudgetState });
const now = new Date('2026-11-22T10:00:00Z');
const reserve = (outcomeId: string, amountMicros: number, limitMicros = 1_000_000): BudgetCommand => ({ type: 'Reserve', outcomeId, amountMicros, limitMicros, now });
const after = (...commands: BudgetCommand[]) => commands.reduce<BudgetEvent[]>((h, c) => [...h, ...spec.given(h).when(c).events()], []);

describe('budget', () => {
  it('reserves while spent plus reserved stays within the limit, and refuses past it', () => {
    const h = after(reserve('o1', 600_000), reserve('o2', 400_000));
    expect(available(spec.given(h).state)).toBe(0);
    spec.given(h).when(reserve('o3', 1)).thenRejects({ code: 'BUDGET_EXHAUSTED' });
  });

  it('settles at most what was reserved, releasing the rest; a retry changes nothing', () => {
    const h = after(reserve('o1', 600_000), { type: 'Settle', outcomeId: 'o1', chargeMicros: 450_000, now });
    expect(spec.given(h).state).toMatchObject({ spentMicros: 450_000, reservedMicros: 0 });
    spec.given(h).when({ type: 'Settle', outcomeId: 'o1', chargeMicros: 450_000, now }).then([]);
    spec.given(after(reserve('o2', 100))).when({ type: 'Settle', outcomeId: 'o2', chargeMicros: 101, now }).thenRejects({ code: 'RULE_VIOLATION' });
    spec.given([]).when({ type: 'Settle', outcomeId: 'nope', chargeMicros: 0, now }).thenRejects({ code: 'NOT_FOUND' });
  });

  it('refunds a settled charge once, so it is spent no more; nothing to refund otherwise', () => {
    const h = after(reserve('o1', 600_000), { type: 'Settle', outcomeId: 'o1', chargeMicros: 450_000, now }, { type: 'Refund', outcomeId: 'o1', now }, { type: 'Refund', outcomeId: 'o1', now });
    expect(h.map((e) => e.type)).toEqual(['BudgetReserved', 'BudgetCharged', 'BudgetRefunded']);
    expect(spec.given(h).state).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
    spec.given(after(reserve('o2', 100))).when({ type: 'Refund', outcomeId: 'o2', now }).then([]);
    // Released, nothing was charged: nothing to refund, and neither a settlement nor a reservation reopens it.
    const released = after(reserve('o3', 100), { type: 'Release', outcomeId: 'o3', now });
    spec.given(released).when({ type: 'Refund', outcomeId: 'o3', now }).then([]);
    spec.given(released).when({ type: 'Settle', outcomeId: 'o3', chargeMicros: 100, now }).then([]);
    spec.given(released).when(reserve('o3', 100)).then([]);
    // Refunded: a settlement retried after it charges nothing again.
    spec.given(h).when({ type: 'Settle', outcomeId: 'o1', chargeMicros: 450_000, now }).then([]);
    spec.given(h).when(reserve('o1', 600_000)).then([]);
    // A charge of nothing is still a charge: its refund gives back nothing, once.
    const free = after(reserve('o4', 100), { type: 'Settle', outcomeId: 'o4', chargeMicros: 0, now });
    spec.given(free).when({ type: 'Refund', outcomeId: 'o4', now }).then([{ type: 'BudgetRefunded', data: { outcomeId: 'o4', refundedMicros: 0, at: now.toISOString() } }]);
  });

  it('releases a reservation in full, once; a reservation retried is reserved once', () => {
    const h = after(reserve('o1', 600_000), reserve('o1', 600_000), { type: 'Release', outcomeId: 'o1', now }, { type: 'Release', outcomeId: 'o1', now });
    expect(h.map((e) => e.type)).toEqual(['BudgetReserved', 'BudgetReleased']);
    expect(spec.given(h).state).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
  });

  it('adjusts an open reservation down, giving the difference back, or up while the budget has it', () => {
    const adjust = (outcomeId: string, amountMicros: number): BudgetCommand => ({ type: 'Adjust', outcomeId, amountMicros, limitMicros: 1_000_000, now });
    const h = after(reserve('o1', 750_000), adjust('o1', 450_000));
    expect(h.map((e) => e.type)).toEqual(['BudgetReserved', 'BudgetAdjusted']);
    expect(spec.given(h).state).toMatchObject({ reservedMicros: 450_000 });
    spec.given(h).when(adjust('o1', 450_000)).then([]);
    spec.given(h).when(adjust('o1', 1_000_000)).then([{ type: 'BudgetAdjusted', data: { outcomeId: 'o1', fromMicros: 450_000, toMicros: 1_000_000, at: now.toISOString() } }]);
    spec.given([...h, ...after(reserve('o2', 500_000))]).when(adjust('o1', 500_001)).thenRejects({ code: 'BUDGET_EXHAUSTED' });
    spec.given(h).when(adjust('nope', 1)).thenRejects({ code: 'NOT_FOUND' });
    spec.given(after(reserve('o3', 10), { type: 'Release', outcomeId: 'o3', now })).when(adjust('o3', 5)).thenRejects({ code: 'NOT_FOUND' });
    const settled = after(reserve('o4', 700_000), adjust('o4', 300_000), { type: 'Settle', outcomeId: 'o4', chargeMicros: 300_000, now });
    expect(spec.given(settled).state).toMatchObject({ spentMicros: 300_000, reservedMicros: 0 });
  });

  it('never lets spent plus reserved exceed the limit, whatever the order of commands', () => {
    const command = fc.oneof(
      fc.record({ type: fc.constant('Reserve' as const), outcomeId: fc.integer({ min: 0, max: 20 }).map(String), amountMicros: fc.integer({ min: 0, max: 400_000 }) }),
      fc.record({ type: fc.constant('Settle' as const), outcomeId: fc.integer({ min: 0, max: 20 }).map(String), chargeMicros: fc.integer({ min: 0, max: 400_000 }) }),
      fc.record({ type: fc.constant('Release' as const), outcomeId: fc.integer({ min: 0, max: 20 }).map(String) }),
      fc.record({ type: fc.constant('Adjust' as const), outcomeId: fc.integer({ min: 0, max: 20 }).map(String), amountMicros: fc.integer({ min: 0, max: 400_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        let state = initialBudgetState();
        for (const c of commands) {
          const full: BudgetCommand = c.type === 'Reserve' || c.type === 'Adjust' ? { ...c, limitMicros: 1_000_000, now } : ({ ...c, now } as BudgetCommand);
          try {
            state = decideBudget(full, state).reduce(evolveBudget, state);
          } catch (err) {
            if (!(err instanceof BudgetRefused)) throw err;
          }
          const openSum = [...mapEntries(state.open)].reduce((a, [, b]) => a + b, 0);
          if (state.spentMicros + state.reservedMicros > 1_000_000 || openSum !== state.reservedMicros) return false;
        }
        return true;
      }),
    );
  });

  it('names periods: a day, an ISO week, a month, or the whole life of the budget', () => {
    expect(periodKey('daily', now)).toBe('2026-11-22');
    expect(periodKey('weekly', now)).toBe('2026-W47');
    expect(periodKey('weekly', new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(periodKey('monthly', now)).toBe('2026-11');
    expect(periodKey('total', now)).toBe('total');
  });
});

describe('periodBounds', () => {
  it('gives the day, the ISO week (Monday to Monday), the month, and no end for a total budget', () => {
    const now = new Date('2026-11-29T15:00:00Z'); // a Sunday
    expect(periodBounds('daily', now)).toEqual({ start: Date.parse('2026-11-29T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z') });
    expect(periodBounds('weekly', now)).toEqual({ start: Date.parse('2026-11-23T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z') });
    expect(periodBounds('monthly', now)).toEqual({ start: Date.parse('2026-11-01T00:00:00Z'), end: Date.parse('2026-12-01T00:00:00Z') });
    expect(periodBounds('monthly', new Date('2026-12-31T23:59:59Z')).end).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(periodBounds('total', now)).toEqual({ start: 0, end: null });
  });
});
