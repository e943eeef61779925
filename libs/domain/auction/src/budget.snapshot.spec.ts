import fc from 'fast-check';
import { decideBudget, evolveBudget, initialBudgetState, type BudgetCommand, type BudgetState } from './budget.decide';
import { decodeBudget, encodeBudget } from './budget.snapshot';
import { mapEntries } from './persistent-map';

const now = new Date('2026-12-07T00:00:00Z');
const plain = (s: BudgetState) => ({ ...s, open: new Map(mapEntries(s.open)), closed: new Map(mapEntries(s.closed)) });
const roundTrip = (s: BudgetState) => decodeBudget(JSON.parse([...encodeBudget(s)].join('')));

describe('budget snapshots', () => {
  it('read back as the state they were taken from, after any history', () => {
    const command = fc.oneof(
      fc.record({ type: fc.constant('Reserve' as const), n: fc.nat(40), amountMicros: fc.nat(300_000) }),
      fc.record({ type: fc.constant('Settle' as const), n: fc.nat(40), chargeMicros: fc.nat(300_000) }),
      fc.record({ type: fc.constant('Release' as const), n: fc.nat(40) }),
      fc.record({ type: fc.constant('Refund' as const), n: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 120 }), (commands) => {
        let state = initialBudgetState();
        for (const c of commands) {
          const cmd = { ...c, outcomeId: `out_"${c.n}"\\:0`, limitMicros: 5_000_000, now } as unknown as BudgetCommand;
          try {
            state = decideBudget(cmd, state).reduce(evolveBudget, state);
          } catch {
            // refused: nothing changes
          }
        }
        expect(plain(roundTrip(state))).toEqual(plain(state));
      }),
    );
  });

  it('come in pieces of at most a thousand entries, that make one JSON text', () => {
    let state = initialBudgetState();
    for (let i = 0; i < 2_500; i++) state = evolveBudget(state, { type: 'BudgetReserved', data: { outcomeId: `out_${i}:0`, amountMicros: 1, limitMicros: 1e9, at: now.toISOString() } });
    const pieces = [...encodeBudget(state)];
    expect(pieces.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(1000 * 20);
    const back = roundTrip(state);
    expect(back.reservedMicros).toBe(2_500);
    expect([...mapEntries(back.open)].length).toBe(2_500);
  });

  it('refuse what is not one', () => {
    expect(() => decodeBudget({ v: 2 })).toThrow('version 1');
    expect(() => decodeBudget({ v: 1, limitMicros: 1.5, spentMicros: 0, reservedMicros: 0, open: [], closed: [] })).toThrow('limitMicros');
    expect(() => decodeBudget({ v: 1, limitMicros: 1, spentMicros: 0, reservedMicros: 0, open: ['a'], closed: [] })).toThrow('open');
    expect(() => decodeBudget({ v: 1, limitMicros: 1, spentMicros: 0, reservedMicros: 0, open: [], closed: ['a', 'b'] })).toThrow('closed');
  });
});
