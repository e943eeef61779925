import fc from 'fast-check';
import { runAuction } from '@outcomes/domain-auction';
import { Optimizer, type QuoteRequest } from './optimizer';
import { seededRng } from './random';
import { DEFAULT_SETTINGS } from './settings';

const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 1);
const END = Date.UTC(2026, 11, 1);

const request = (over: Partial<QuoteRequest> = {}): QuoteRequest => ({
  buyerId: 'buy_1',
  configId: 'cfg_1',
  outcomeType: 'cs.resolve',
  engines: ['eng_a', 'eng_b'],
  strategy: null,
  budget: null,
  confidenceThreshold: null,
  typicalMaxMicros: null,
  ...over,
});

/** Outcome n awarded to `engine` at `at`, priced with what `o` quoted then; then its verdict, if any. */
function trade(o: Optimizer, n: number, engine: string, priceMicros: number, at: number, verdict?: 'success' | 'failure', req = request()): void {
  const outcomeId = `out_${n}`;
  const q = o.quote(req, at, seededRng(n));
  o.apply({ kind: 'requested', outcomeId, buyerId: req.buyerId, configId: req.configId, outcomeType: req.outcomeType, at });
  o.apply({ kind: 'auctioned', outcomeId, lowestBidMicros: priceMicros, pricing: { strategy: q.strategy, ceilingMicros: q.ceilingMicros, goal: q.goal, probabilities: q.probabilities, explored: q.explored }, at });
  o.apply({ kind: 'awarded', outcomeId, engineId: engine, priceMicros, budgetId: req.budget?.id ?? null, at });
  if (verdict) o.apply({ kind: 'conversion', outcomeId, verdict, source: 'human_reviewer', valueMicros: null, at: at + 1 });
}

describe('the optimizer', () => {
  it('explores engines still in their learning phase with draws from the posterior, and ranks the others by their estimate', () => {
    const o = new Optimizer({ ...DEFAULT_SETTINGS, learningPhase: 5 });
    for (let n = 0; n < 5; n++) trade(o, n, 'eng_a', 100_000, T, 'success');
    const draws = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const q = o.quote(request(), T + DAY, seededRng(1000 + i));
      expect(q.explored).toEqual(['eng_b']);
      expect(q.probabilities['eng_a']).toBeCloseTo(o.estimates.success('eng_a', 'cs.resolve', 'buy_1', T + DAY).mean, 9);
      draws.add(q.probabilities['eng_b']!);
    }
    // A draw, not the prior's mean: it varies.
    expect(draws.size).toBeGreaterThan(15);
  });

  it('never lets exploration make the buyer pay above its ceiling, whatever the draws and bids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3_000_000 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom<QuoteRequest['strategy']>({ type: 'bid_cap', capMicros: 1_000_000 }, { type: 'cost_per_result', goalMicros: 1_200_000 }, { type: 'roas_goal', roasGoal: 3 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (prices, strategy, seed) => {
          const o = new Optimizer();
          const engines = prices.map((_, i) => `eng_${i}`);
          const req = request({ engines, strategy, typicalMaxMicros: 2_000_000 });
          const q = o.quote(req, T, seededRng(seed));
          const bids = prices.map((priceMicros, i) => ({ engineId: `eng_${i}`, engineName: `e${i}`, priceMicros, receivedAt: i }));
          const own = q.engineCeilings;
          const r = runAuction({ bids, late: [], ceilingMicros: q.ceilingMicros, ...(own ? { engineCeiling: (id: string) => own[id] ?? null } : {}), successProbability: (id) => q.probabilities[id]!, preferredEngine: null });
          if (r.outcome !== 'awarded') return true;
          const cap = Math.min(q.ceilingMicros ?? Infinity, own?.[r.winner.engineId] ?? Infinity);
          // The engine ceilings come from estimates, never from the draws.
          const fromMeans = own ? Object.keys(own).every((id) => own[id] === Math.max(1, Math.floor(1_200_000 * o.estimates.success(id, 'cs.resolve', 'buy_1', T).mean))) : true;
          return r.clearingPriceMicros <= cap && fromMeans;
        },
      ),
    );
  });

  it('cost_per_result: lowers the ceiling while the running cost per success is above the goal, and raises it while below', () => {
    const goal = 1_000_000;
    const req = request({ strategy: { type: 'cost_per_result', goalMicros: goal }, engines: ['eng_a'] });
    const dear = new Optimizer();
    const cheap = new Optimizer();
    const start = dear.quote(req, T, seededRng(1)).engineCeilings!['eng_a']!;
    // The prior says 0.7: paying 1.5 per outcome is ~2.1 per success; paying 0.2 is ~0.3.
    for (let n = 0; n < 100; n++) {
      trade(dear, n, 'eng_a', 1_500_000, T + n, undefined, req);
      trade(cheap, n, 'eng_a', 200_000, T + n, undefined, req);
    }
    expect(dear.runningCostPerSuccess('cfg_1')).toBeGreaterThan(goal);
    expect(dear.quote(req, T + DAY, seededRng(2)).engineCeilings!['eng_a']).toBeLessThan(start * 0.5);
    expect(cheap.quote(req, T + DAY, seededRng(2)).engineCeilings!['eng_a']).toBeGreaterThan(start * 2);
  });

  it('roas_goal: the ceiling is the predicted value of an outcome divided by the goal; the type’s typical maximum before any value', () => {
    const o = new Optimizer();
    const req = request({ strategy: { type: 'roas_goal', roasGoal: 4 }, typicalMaxMicros: 3_000_000 });
    expect(o.quote(req, T, seededRng(1)).ceilingMicros).toBe(3_000_000);
    trade(o, 1, 'eng_a', 500_000, T);
    o.apply({ kind: 'conversion', outcomeId: 'out_1', verdict: 'success', source: 'webhook', valueMicros: 8_000_000, at: T + 1 });
    expect(o.quote(req, T, seededRng(1)).ceilingMicros).toBe(2_000_000);
  });

  it('highest_volume: no ceiling while behind the even line, a falling one while ahead', () => {
    const budget = { id: 'cfg_1.2026-11', amountMicros: 100_000_000, periodStart: T, periodEnd: END };
    const req = request({ strategy: { type: 'highest_volume' }, budget });
    const o = new Optimizer();
    trade(o, 0, 'eng_a', 1_000_000, T, undefined, req);
    // A tenth of the month gone, 1% spent: behind.
    expect(o.quote(req, T + 3 * DAY, seededRng(1)).ceilingMicros).toBeNull();
    for (let n = 1; n < 20; n++) trade(o, n, 'eng_a', 1_000_000, T + DAY, undefined, req);
    // A tenth gone, 20% spent: ahead, the ceiling is well under the market's price level.
    const ahead = o.quote(req, T + 3 * DAY, seededRng(1)).ceilingMicros!;
    expect(ahead).toBeLessThan(100_000);
    // Releases give the money back to the period.
    for (let n = 1; n < 20; n++) o.apply({ kind: 'released', outcomeId: `out_${n}`, at: T + 2 * DAY });
    expect(o.spent('cfg_1.2026-11')).toBe(1_000_000);
    expect(o.quote(req, T + 3 * DAY, seededRng(1)).ceilingMicros).toBeNull();
    // A total budget has no period to pace over.
    expect(o.quote(request({ strategy: { type: 'highest_volume' }, budget: { ...budget, periodEnd: null } }), T + 3 * DAY, seededRng(1)).ceilingMicros).toBeNull();
  });

  it('bid_cap stays the buyer’s hard cap', () => {
    expect(new Optimizer().quote(request({ strategy: { type: 'bid_cap', capMicros: 420_000 } }), T, seededRng(1))).toMatchObject({ ceilingMicros: 420_000, engineCeilings: null });
  });

  it('escalates at once when no eligible engine is predicted to succeed above the confidence threshold', () => {
    const o = new Optimizer();
    for (let n = 0; n < 40; n++) trade(o, n, n % 2 ? 'eng_a' : 'eng_b', 100_000, T, n % 4 === 0 ? 'success' : 'failure');
    const q = o.quote(request({ confidenceThreshold: 0.6 }), T + DAY, seededRng(1));
    expect(q.escalate).toMatchObject({ trigger: 'confidence_threshold' });
    expect(q.escalate!.details).toMatch(/above 0.6/);
    // A new engine carries the prior (0.7): the buyer may still be served.
    expect(o.quote(request({ confidenceThreshold: 0.6, engines: ['eng_a', 'eng_new'] }), T + DAY, seededRng(1)).escalate).toBeNull();
    expect(o.quote(request(), T + DAY, seededRng(1)).escalate).toBeNull();
  });

  it('comes back from a snapshot with its controllers where they were', () => {
    const req = request({ strategy: { type: 'cost_per_result', goalMicros: 1_000_000 } });
    const o = new Optimizer();
    for (let n = 0; n < 30; n++) trade(o, n, 'eng_a', 1_500_000, T + n, n % 2 ? 'success' : 'failure', req);
    const copy = new Optimizer();
    copy.restore(JSON.parse(JSON.stringify(o.snapshot())));
    expect(copy.quote(req, T + DAY, seededRng(5))).toEqual(o.quote(req, T + DAY, seededRng(5)));
  });

  it('quotes from its published quote state as it quotes itself, for every strategy, in and after the learning phase', () => {
    const settings = { ...DEFAULT_SETTINGS, learningPhase: 10, priorMean: 0.6 };
    const budget = { id: 'cfg_1.2026-11', amountMicros: 50_000_000, periodStart: T, periodEnd: END };
    const strategies = [
      null,
      { type: 'bid_cap' as const, capMicros: 900_000 },
      { type: 'cost_per_result' as const, goalMicros: 1_000_000 },
      { type: 'roas_goal' as const, roasGoal: 4 },
      { type: 'highest_volume' as const },
    ];
    fc.assert(
      fc.property(fc.array(fc.record({ engine: fc.constantFrom('eng_a', 'eng_b', 'eng_c'), price: fc.integer({ min: 100_000, max: 2_000_000 }), ok: fc.boolean() }), { maxLength: 40 }), fc.integer(), (trades, seed) => {
        const o = new Optimizer(settings);
        trades.forEach((t, n) => trade(o, n, t.engine, t.price, T + n * 60_000, t.ok ? 'success' : 'failure', request({ strategy: strategies[n % strategies.length]!, budget, engines: ['eng_a', 'eng_b', 'eng_c'] })));
        // The state travels as JSON over NATS.
        const copy = Optimizer.fromQuoteState(JSON.parse(JSON.stringify(o.quoteState())));
        for (const strategy of strategies) {
          const req = request({ strategy, budget, engines: ['eng_a', 'eng_b', 'eng_c', 'eng_new'], confidenceThreshold: 0.5 });
          expect(copy.quote(req, T + DAY, seededRng(seed))).toEqual(o.quote(req, T + DAY, seededRng(seed)));
        }
      }),
      { numRuns: 100 },
    );
  });
});
