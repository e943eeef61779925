import fc from 'fast-check';
import { rank, runAuction, type Bid } from './auction.rules';

const bid = (engineId: string, priceMicros: number, receivedAt = 0, engineName = engineId): Bid => ({ engineId, engineName, priceMicros, receivedAt });
const p = (probs: Record<string, number>) => (id: string) => probs[id] ?? 0.5;

describe('auction', () => {
  it('ranks by expected cost per success, so a dearer but likelier engine can win', () => {
    const ranked = rank([bid('cheap', 300_000), bid('good', 400_000)], p({ cheap: 0.5, good: 0.9 }), null);
    expect(ranked.map((b) => b.engineId)).toEqual(['good', 'cheap']);
  });

  it('breaks a tie with the preferred engine, then with the earlier bid', () => {
    expect(rank([bid('a', 100, 1), bid('b', 100, 2)], p({}), 'b').map((b) => b.engineId)).toEqual(['b', 'a']);
    expect(rank([bid('a', 100, 2), bid('b', 100, 1)], p({}), null).map((b) => b.engineId)).toEqual(['b', 'a']);
  });

  it('pays the winner what it needed to tie the runner-up, and tells the loser the price to beat', () => {
    const r = runAuction({ bids: [bid('a', 400_000), bid('b', 500_000)], late: [], ceilingMicros: 1_000_000, successProbability: p({ a: 0.8, b: 0.8 }), preferredEngine: null });
    expect(r).toMatchObject({ outcome: 'awarded', winner: { engineId: 'a' }, clearingPriceMicros: 500_000 });
    expect(r.losses).toEqual([{ engineId: 'b', reason: 'outbid', priceToBeatMicros: 399_999 }]);
  });

  it('never clears above the ceiling; bids above it lose with the ceiling as the price to beat', () => {
    const r = runAuction({ bids: [bid('a', 400_000), bid('b', 900_000), bid('c', 2_000_000)], late: [bid('d', 1, 9)], ceilingMicros: 600_000, successProbability: p({}), preferredEngine: null });
    expect(r).toMatchObject({ outcome: 'awarded', clearingPriceMicros: 600_000 });
    expect(r.losses).toEqual(
      expect.arrayContaining([
        { engineId: 'b', reason: 'above_ceiling', priceToBeatMicros: 399_999 },
        { engineId: 'c', reason: 'above_ceiling', priceToBeatMicros: 399_999 },
        { engineId: 'd', reason: 'timeout', priceToBeatMicros: null },
      ]),
    );
  });

  it("holds each engine to its own ceiling when the strategy gives one, and pays the winner no more than its own", () => {
    // cost_per_result: the likelier engine may ask more; the other's ceiling keeps it out.
    const own: Record<string, number> = { good: 900_000, poor: 350_000 };
    const r = runAuction({ bids: [bid('good', 800_000), bid('poor', 400_000)], late: [], ceilingMicros: 900_000, engineCeiling: (id) => own[id] ?? null, successProbability: p({ good: 0.9, poor: 0.35 }), preferredEngine: null });
    expect(r).toMatchObject({ outcome: 'awarded', winner: { engineId: 'good' } });
    expect((r as { clearingPriceMicros: number }).clearingPriceMicros).toBeLessThanOrEqual(900_000);
    expect(r.losses).toEqual([{ engineId: 'poor', reason: 'above_ceiling', priceToBeatMicros: 311_110 }]);
    const tight = runAuction({ bids: [bid('good', 800_000)], late: [], ceilingMicros: 900_000, engineCeiling: () => 700_000, successProbability: p({}), preferredEngine: null });
    expect(tight).toMatchObject({ outcome: 'no_bid', losses: [{ engineId: 'good', reason: 'above_ceiling', priceToBeatMicros: 700_000 }] });
  });

  it('has no award when no bid fits, and pays a lone bidder its ask', () => {
    expect(runAuction({ bids: [bid('a', 2)], late: [], ceilingMicros: 1, successProbability: p({}), preferredEngine: null }).outcome).toBe('no_bid');
    expect(runAuction({ bids: [bid('a', 700)], late: [], ceilingMicros: null, successProbability: p({}), preferredEngine: null })).toMatchObject({ clearingPriceMicros: 700 });
  });

  it('whatever the bids: the clearing price lies between the winner’s ask and the ceiling, and the winner scores best', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ price: fc.integer({ min: 0, max: 5_000_000 }), prob: fc.double({ min: 0.05, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.integer({ min: 1, max: 5_000_000 }), { nil: null }),
        (entries, ceiling) => {
          const bids = entries.map((e, i) => bid(`e${i}`, e.price, i));
          const probs = Object.fromEntries(entries.map((e, i) => [`e${i}`, e.prob]));
          const r = runAuction({ bids, late: [], ceilingMicros: ceiling, successProbability: p(probs), preferredEngine: null });
          if (r.losses.length !== bids.length - (r.outcome === 'awarded' ? 1 : 0)) return false;
          if (r.outcome === 'no_bid') return bids.every((b) => ceiling !== null && b.priceMicros > ceiling);
          const winnerScore = r.winner.priceMicros / probs[r.winner.engineId]!;
          const fits = bids.filter((b) => ceiling === null || b.priceMicros <= ceiling);
          return (
            r.clearingPriceMicros >= r.winner.priceMicros &&
            (ceiling === null || r.clearingPriceMicros <= ceiling) &&
            fits.every((b) => b.priceMicros / probs[b.engineId]! >= winnerScore - 1e-6)
          );
        },
      ),
    );
  });
});

describe('auction arithmetic', () => {
  it('pays whole micro-dollars without floating-point noise: equal probabilities clear at the runner-up’s price', () => {
    const r = runAuction({ bids: [bid('a', 300_000), bid('b', 450_000)], late: [], ceilingMicros: null, successProbability: () => 7 / 10.000000000000002, preferredEngine: null });
    expect(r).toMatchObject({ clearingPriceMicros: 450_000, losses: [{ engineId: 'b', priceToBeatMicros: 299_999 }] });
  });
});
