/**
 * The market simulation: `npm run bench -- optimizer [--quick] [--outcomes=N] [--seed=N]`.
 *
 * Drives the decision code the delivery-optimizer service runs (`Optimizer` from
 * @outcomes/domain-optimizer) and the auction's own rules (`runAuction`) with engines whose true
 * success rates, prices, escalation rates and latencies are known (the engine-sim's
 * `SimEngineSpec`), and with feedback as it arrives in life: conversions hours or days after
 * delivery from sources of uneven trust (some of them wrong), some never (the attribution window's
 * default applies), claims on guarantee-backed work within a 14-day window.
 *
 * Four policies meet the same requests, bids and outcomes (common random numbers):
 * - optimizer: learned P(success) per engine, Thompson draws while an engine is learning;
 * - oracle: the true P(success) of every engine;
 * - cheapest: the lowest bid wins;
 * - random: a random eligible bid wins.
 * Each pays the second-score clearing price on delivery (escalations are not charged). Cost per
 * success = charged / outcomes that truly succeeded.
 *
 * Two more runs prove the controllers: cost_per_result against a goal, and highest_volume pacing
 * of a monthly budget (with an unpaced peer in the same run).
 */
import { runAuction, type Bid } from '@outcomes/domain-auction';
import { DEFAULT_SETTINGS, normal, Optimizer, seededRng, type ConversionSource, type Fact, type Rng, type Strategy } from '@outcomes/domain-optimizer';
import type { SimEngineSpec } from '@outcomes/engine-kit';
import { opt, quick } from './lib';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const MONTH_END = Date.UTC(2026, 1, 1);
const usd = (x: number) => Math.round(x * 1e6);

/** An engine of the market: the engine-sim's model, and the outcome after which it joins. */
type MarketEngine = SimEngineSpec & { readonly joinsAfter: number };

const engine = (id: string, prices: Record<string, number>, success: Record<string, number>, escalationRate: number, latencyS: [number, number], joinsAfter = 0): MarketEngine => ({
  id,
  name: id.replace('eng_', ''),
  priceMicros: Object.fromEntries(Object.entries(prices).map(([t, p]) => [t, usd(p)])),
  successRate: success,
  latencyMs: [latencyS[0] * 1000, latencyS[1] * 1000],
  escalationRate,
  capacity: 1_000,
  joinsAfter,
});

const FLEET: MarketEngine[] = [
  engine('eng_bargain', { 'cs.resolve': 0.4 }, { 'cs.resolve': 0.4 }, 0.1, [20, 200]),
  engine('eng_steady', { 'cs.resolve': 0.75, 'code.review': 2.0 }, { 'cs.resolve': 0.85, 'code.review': 0.8 }, 0.03, [60, 600]),
  engine('eng_premium', { 'cs.resolve': 1.2, 'code.review': 3.0, 'legal.draft_nda': 8.0 }, { 'cs.resolve': 0.97, 'code.review': 0.95, 'legal.draft_nda': 0.96 }, 0.01, [120, 1200]),
  engine('eng_flaky', { 'cs.resolve': 0.55 }, { 'cs.resolve': 0.55 }, 0.15, [10, 100]),
  engine('eng_coder', { 'code.review': 1.5 }, { 'code.review': 0.6 }, 0.05, [30, 300]),
  engine('eng_reviewer', { 'code.review': 2.4 }, { 'code.review': 0.92 }, 0.03, [90, 900]),
  engine('eng_lexi', { 'legal.draft_nda': 5.0 }, { 'legal.draft_nda': 0.7 }, 0.02, [300, 3000]),
  engine('eng_counsel', { 'legal.draft_nda': 6.0 }, { 'legal.draft_nda': 0.9 }, 0.02, [600, 3600]),
  // A better engine that joins later: exploration must find it.
  engine('eng_newcomer', { 'cs.resolve': 0.7 }, { 'cs.resolve': 0.93 }, 0.02, [30, 300], 3_000),
];

/** Outcome types: their share of requests, how success is learned, and the type's default without a conversion. */
const TYPES = [
  { type: 'cs.resolve', share: 0.6, verification: 'capi', defaultVerdict: 'success' as const },
  { type: 'code.review', share: 0.25, verification: 'capi', defaultVerdict: 'failure' as const },
  { type: 'legal.draft_nda', share: 0.15, verification: 'guarantee', defaultVerdict: 'success' as const },
];

/** Who reports conversions, how often, and how often each is wrong. */
const SOURCES: Array<{ source: ConversionSource; share: number; wrong: number }> = [
  { source: 'human_reviewer', share: 0.15, wrong: 0.02 },
  { source: 'automated_test', share: 0.15, wrong: 0.02 },
  { source: 'webhook', share: 0.3, wrong: 0.08 },
  { source: 'agent_runner', share: 0.1, wrong: 0.12 },
  { source: 'self_report', share: 0.3, wrong: 0.25 },
];
const REPORTED = 0.8;
const ATTRIBUTION_DAYS = 7;
const CLAIM_WINDOW_DAYS = 14;

const trueP = (e: MarketEngine, type: string) => (1 - e.escalationRate) * (e.successRate[type] ?? 0);

/** One request and every random number its life needs, drawn once so every policy meets the same. */
interface Request {
  readonly n: number;
  readonly at: number;
  readonly type: (typeof TYPES)[number];
  readonly bids: ReadonlyArray<{ engine: MarketEngine; priceMicros: number }>;
  readonly u: { escalate: number; success: number; latency: number; report: number; delay: number; source: number; wrong: number; claim: number; claimDelay: number };
}

function requests(count: number, seed: number, types = TYPES): Request[] {
  const rng = seededRng(seed);
  const total = types.reduce((a, t) => a + t.share, 0);
  const out: Request[] = [];
  for (let n = 0; n < count; n++) {
    const at = T0 + Math.floor(((n + rng()) / count) * (MONTH_END - T0));
    let x = rng() * total;
    const type = types.find((t) => (x -= t.share) < 0) ?? types[types.length - 1]!;
    // How hard this request is: every engine's price scales with it.
    const difficulty = Math.exp(0.35 * normal(rng));
    const bids = FLEET.filter((e) => e.priceMicros[type.type] !== undefined && n >= e.joinsAfter).map((e) => ({ engine: e, priceMicros: Math.round(e.priceMicros[type.type]! * difficulty * (0.9 + 0.2 * rng())) }));
    out.push({ n, at, type, bids, u: { escalate: rng(), success: rng(), latency: rng(), report: rng(), delay: rng(), source: rng(), wrong: rng(), claim: rng(), claimDelay: rng() } });
  }
  return out;
}

/** A time-ordered queue of facts still to arrive. */
class Arrivals {
  private heap: Array<{ at: number; seq: number; fact: Fact }> = [];
  private seq = 0;

  push(fact: Fact): void {
    const h = this.heap;
    h.push({ at: fact.at, seq: this.seq++, fact });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  /** Facts due by `now`, in time order. */
  *due(now: number): Generator<Fact> {
    const h = this.heap;
    while (h.length > 0 && h[0]!.at <= now) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
          if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i]!, h[m]!];
          i = m;
        }
      }
      yield top.fact;
    }
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

type Policy = 'optimizer' | 'oracle' | 'cheapest' | 'random';

interface Window {
  outcomes: number;
  awarded: number;
  successes: number;
  chargedMicros: number;
}

interface RunResult {
  readonly windows: Window[];
  /** Per outcome: charged micros and true success, for any later slice. */
  readonly charged: Float64Array;
  readonly succeeded: Uint8Array;
  readonly awarded: Uint8Array;
  readonly optimizer: Optimizer | null;
  readonly spentAt: (at: number) => number;
}

interface RunOptions {
  readonly policy: Policy;
  readonly strategy: Strategy | null;
  readonly budgetMicros?: number;
  readonly seed: number;
  readonly windowSize: number;
}

const BUYER = 'buy_sim';
const CONFIG = 'cfg_sim';
const BUDGET_ID = `${CONFIG}.2026-01`;

/** Feedback the buyer and the claims process will produce for one delivered outcome. */
function feedback(r: Request, winner: MarketEngine, outcomeId: string, doneAt: number, success: boolean, out: Arrivals): void {
  const u = r.u;
  if (r.type.verification === 'guarantee') {
    const windowEndsAt = doneAt + CLAIM_WINDOW_DAYS * DAY;
    out.push({ kind: 'guaranteed', outcomeId, windowEndsAt, at: doneAt });
    // A failure is claimed most of the time, early in the window; a success, rarely, and the claim is denied.
    const claimed = success ? u.claim < 0.03 : u.claim < 0.85;
    if (claimed) {
      const filedAt = doneAt + (0.5 + 9.5 * u.claimDelay) * DAY;
      out.push({ kind: 'claim', outcomeId, claimId: `clm_${outcomeId}`, status: 'filed', amountMicros: 0, at: filedAt });
      if (success) out.push({ kind: 'claim', outcomeId, claimId: `clm_${outcomeId}`, status: 'dropped', amountMicros: 0, at: filedAt + 2 * DAY });
      else out.push({ kind: 'claim', outcomeId, claimId: `clm_${outcomeId}`, status: 'paid', amountMicros: winner.priceMicros[r.type.type]!, at: filedAt + 3 * DAY });
    }
    out.push({ kind: 'window_closed', outcomeId, at: windowEndsAt });
    return;
  }
  if (u.report < REPORTED) {
    let x = u.source;
    const s = SOURCES.find((k) => (x -= k.share) < 0) ?? SOURCES[0]!;
    const said = u.wrong < s.wrong ? !success : success;
    // Hours to a few days after delivery (exponential, mean half a day).
    const delay = -Math.log(1 - u.delay) * 0.5 * DAY;
    out.push({ kind: 'conversion', outcomeId, verdict: said ? 'success' : 'failure', source: s.source, valueMicros: said ? usd(5) : null, at: doneAt + delay });
  } else {
    out.push({ kind: 'defaulted', outcomeId, verdict: r.type.defaultVerdict, at: doneAt + ATTRIBUTION_DAYS * DAY });
  }
}

function run(reqs: readonly Request[], o: RunOptions): RunResult {
  const decisions: Rng = seededRng(o.seed * 7919 + 17);
  const optimizer = o.policy === 'optimizer' ? new Optimizer(DEFAULT_SETTINGS) : null;
  const arrivals = new Arrivals();
  const windows: Window[] = [];
  const charged = new Float64Array(reqs.length);
  const succeeded = new Uint8Array(reqs.length);
  const awarded = new Uint8Array(reqs.length);
  const spendLog: Array<[number, number]> = [];
  let spent = 0;
  for (const r of reqs) {
    if (optimizer) for (const f of arrivals.due(r.at)) optimizer.apply(f);
    const outcomeId = `out_${r.n}`;
    const type = r.type.type;
    let probability: (engineId: string) => number;
    let ceiling: number | null = o.strategy?.type === 'bid_cap' ? o.strategy.capMicros! : null;
    let engineCeiling: ((engineId: string) => number | null) | undefined;
    let pricing = null;
    if (optimizer) {
      const budget = o.budgetMicros === undefined ? null : { id: BUDGET_ID, amountMicros: o.budgetMicros, periodStart: T0, periodEnd: MONTH_END };
      const q = optimizer.quote(
        { buyerId: BUYER, configId: CONFIG, outcomeType: type, engines: r.bids.map((b) => b.engine.id), strategy: o.strategy, budget, confidenceThreshold: null, typicalMaxMicros: null },
        r.at,
        decisions,
      );
      probability = (id) => q.probabilities[id]!;
      ceiling = q.ceilingMicros;
      const own = q.engineCeilings;
      if (own) engineCeiling = (id) => own[id] ?? null;
      pricing = { strategy: q.strategy, ceilingMicros: q.ceilingMicros, goal: q.goal, probabilities: q.probabilities, explored: q.explored };
      optimizer.apply({ kind: 'requested', outcomeId, buyerId: BUYER, configId: CONFIG, outcomeType: type, at: r.at });
    } else if (o.policy === 'oracle') {
      probability = (id) => trueP(FLEET.find((e) => e.id === id)!, type);
    } else if (o.policy === 'cheapest') {
      probability = () => 1;
    } else {
      const draws = new Map(r.bids.map((b) => [b.engine.id, 0.01 + 0.99 * decisions()]));
      probability = (id) => draws.get(id)!;
    }
    const bids: Bid[] = r.bids.map((b, i) => ({ engineId: b.engine.id, engineName: b.engine.name, priceMicros: b.priceMicros, receivedAt: i }));
    const result = runAuction({ bids, late: [], ceilingMicros: ceiling, ...(engineCeiling ? { engineCeiling } : {}), successProbability: probability, preferredEngine: null });
    const lowest = bids.length ? Math.min(...bids.map((b) => b.priceMicros)) : null;
    optimizer?.apply({ kind: 'auctioned', outcomeId, lowestBidMicros: lowest, pricing, at: r.at });
    const w = (windows[Math.floor(r.n / o.windowSize)] ??= { outcomes: 0, awarded: 0, successes: 0, chargedMicros: 0 });
    w.outcomes++;
    if (result.outcome !== 'awarded') continue;
    const price = result.clearingPriceMicros;
    // The budget: a reservation that would overspend it is refused (the outcome escalates).
    if (o.budgetMicros !== undefined && spent + price > o.budgetMicros) continue;
    const winner = FLEET.find((e) => e.id === result.winner.engineId)!;
    awarded[r.n] = 1;
    w.awarded++;
    optimizer?.apply({ kind: 'awarded', outcomeId, engineId: winner.id, priceMicros: price, budgetId: o.budgetMicros === undefined ? null : BUDGET_ID, at: r.at });
    const [lo, hi] = winner.latencyMs;
    const doneAt = r.at + Math.round(lo + (hi - lo) * r.u.latency);
    if (r.u.escalate < winner.escalationRate) {
      arrivals.push({ kind: 'ended', outcomeId, engineId: winner.id, result: 'escalated', at: doneAt });
      arrivals.push({ kind: 'released', outcomeId, at: doneAt });
      continue;
    }
    const success = r.u.success < (winner.successRate[type] ?? 0);
    charged[r.n] = price;
    succeeded[r.n] = success ? 1 : 0;
    spent += price;
    spendLog.push([r.at, spent]);
    w.chargedMicros += price;
    w.successes += success ? 1 : 0;
    arrivals.push({ kind: 'ended', outcomeId, engineId: winner.id, result: 'completed', at: doneAt });
    arrivals.push({ kind: 'charged', outcomeId, amountMicros: price, at: doneAt });
    feedback(r, winner, outcomeId, doneAt, success, arrivals);
  }
  const spentAt = (at: number) => {
    let s = 0;
    for (const [t, v] of spendLog) if (t <= at) s = v;
    return s;
  };
  return { windows, charged, succeeded, awarded, optimizer, spentAt };
}

const costPerSuccess = (r: RunResult, from: number, to: number) => {
  let c = 0;
  let s = 0;
  for (let i = from; i < to; i++) {
    c += r.charged[i]!;
    s += r.succeeded[i]!;
  }
  return s === 0 ? Infinity : c / s;
};
const successRate = (r: RunResult, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s += r.succeeded[i]!;
  return s / (to - from);
};

function main(): void {
  const started = performance.now();
  const count = opt('outcomes', 10_000);
  const seeds = quick ? [1] : [1, 2, 3];
  const warmup = opt('warmup', 2_000);
  const windowSize = 1_000;
  const policies: Policy[] = ['optimizer', 'oracle', 'cheapest', 'random'];
  const generous: Strategy = { type: 'bid_cap', capMicros: usd(50) };
  const perSeed: Array<Record<string, number>> = [];
  for (const seed of seeds) {
    const reqs = requests(count, seed);
    const runs = Object.fromEntries(policies.map((p) => [p, run(reqs, { policy: p, strategy: generous, seed, windowSize })])) as Record<Policy, RunResult>;
    console.log(`\nseed ${seed}: cost per successful outcome (USD) and success rate per ${windowSize} outcomes`);
    console.log(`  ${'outcomes'.padEnd(12)}${policies.map((p) => p.padStart(20)).join('')}`);
    for (let w = 0; w * windowSize < count; w++) {
      const from = w * windowSize;
      const to = Math.min(count, from + windowSize);
      const cells = policies.map((p) => `${(costPerSuccess(runs[p], from, to) / 1e6).toFixed(3)} / ${(100 * successRate(runs[p], from, to)).toFixed(1)}%`.padStart(20));
      console.log(`  ${`${from + 1}-${to}`.padEnd(12)}${cells.join('')}`);
    }
    const after = Object.fromEntries(policies.map((p) => [p, costPerSuccess(runs[p], warmup, count)])) as Record<Policy, number>;
    const rates = Object.fromEntries(policies.map((p) => [p, successRate(runs[p], warmup, count)])) as Record<Policy, number>;
    console.log(`  after ${warmup}: ${policies.map((p) => `${p} ${(after[p] / 1e6).toFixed(3)} (${(100 * rates[p]).toFixed(1)}%)`).join(', ')}`);

    // cost_per_result: one type; the goal sits between what the cheapest requests and all requests cost.
    const csOnly = requests(count, seed + 100, [TYPES[0]!]);
    const free = run(csOnly, { policy: 'optimizer', strategy: null, seed, windowSize });
    const unconstrained = costPerSuccess(free, count / 2, count);
    const goal = Math.round(unconstrained * 0.85);
    const controlled = run(csOnly, { policy: 'optimizer', strategy: { type: 'cost_per_result', goalMicros: goal }, seed, windowSize });
    const cpr = costPerSuccess(controlled, count / 2, count);
    if (process.env.DIAG) {
      const o = controlled.optimizer!;
      console.log('running cps', o.runningCostPerSuccess(CONFIG), 'engines', FLEET.filter((e) => e.priceMicros['cs.resolve']).map((e) => `${e.id} true ${trueP(e, 'cs.resolve').toFixed(3)} est ${o.estimates.success(e.id, 'cs.resolve', null, MONTH_END).mean.toFixed(3)} awards ${o.estimates.engine(e.id, 'cs.resolve')?.awards}`));
      const f = free.optimizer!;
      console.log('free engines', FLEET.filter((e) => e.priceMicros['cs.resolve']).map((e) => `${e.id} true ${trueP(e, 'cs.resolve').toFixed(3)} est ${f.estimates.success(e.id, 'cs.resolve', null, MONTH_END).mean.toFixed(3)} awards ${f.estimates.engine(e.id, 'cs.resolve')?.awards}`));
    }
    let won = 0;
    for (let i = count / 2; i < count; i++) won += controlled.awarded[i]!;
    console.log(
      `  cost_per_result: goal ${(goal / 1e6).toFixed(3)} (85% of the unconstrained ${(unconstrained / 1e6).toFixed(3)}); last ${count / 2}: ${(cpr / 1e6).toFixed(3)}, error ${((100 * (cpr - goal)) / goal).toFixed(1)}%, ${won} of ${count / 2} bought`,
    );

    // highest_volume pacing of a monthly budget worth about a third of what the month's requests would cost.
    const pacedReqs = requests(count, seed + 200, [TYPES[0]!]);
    const unpaced = run(pacedReqs, { policy: 'optimizer', strategy: null, seed, windowSize });
    let demand = 0;
    for (const c of unpaced.charged) demand += c;
    const budget = Math.round(demand / 3);
    const limitedUnpaced = run(pacedReqs, { policy: 'optimizer', strategy: null, budgetMicros: budget, seed, windowSize });
    const paced = run(pacedReqs, { policy: 'optimizer', strategy: { type: 'highest_volume' }, budgetMicros: budget, seed, windowSize });
    const mid = T0 + (MONTH_END - T0) / 2;
    const pacedMid = paced.spentAt(mid) / budget;
    const unpacedMid = limitedUnpaced.spentAt(mid) / budget;
    const boughtPaced = paced.awarded.reduce((a, b) => a + b, 0);
    const boughtUnpaced = limitedUnpaced.awarded.reduce((a, b) => a + b, 0);
    console.log(
      `  pacing: budget ${(budget / 1e6).toFixed(2)}; spent at mid-month ${(100 * pacedMid).toFixed(1)}% (unpaced ${(100 * unpacedMid).toFixed(1)}%); at month end ${((100 * paced.spentAt(MONTH_END)) / budget).toFixed(1)}%; outcomes bought ${boughtPaced} (unpaced ${boughtUnpaced})`,
    );
    perSeed.push({
      optimizer: after.optimizer,
      oracle: after.oracle,
      cheapest: after.cheapest,
      random: after.random,
      successOptimizer: rates.optimizer,
      successOracle: rates.oracle,
      cprError: Math.abs(cpr - goal) / goal,
      pacedMid,
      unpacedMid,
      volumeRatio: boughtPaced / Math.max(1, boughtUnpaced),
    });
  }
  const mean = (k: string) => perSeed.reduce((a, s) => a + s[k]!, 0) / perSeed.length;
  const results = {
    outcomes: count,
    seeds: seeds.length,
    cost_per_success_after_warmup: { optimizer: mean('optimizer') / 1e6, oracle: mean('oracle') / 1e6, cheapest: mean('cheapest') / 1e6, random: mean('random') / 1e6 },
    success_rate_after_warmup: { optimizer: mean('successOptimizer'), oracle: mean('successOracle') },
    cost_per_result_error: Math.max(...perSeed.map((s) => s.cprError!)),
    pacing_spent_mid_month: mean('pacedMid'),
    unpaced_spent_mid_month: mean('unpacedMid'),
    paced_vs_unpaced_outcomes_bought: mean('volumeRatio'),
    seconds: (performance.now() - started) / 1000,
  };
  const ratios = {
    vs_oracle_cost_per_success: mean('optimizer') / mean('oracle'),
    vs_cheapest_cost_per_success: mean('optimizer') / mean('cheapest'),
    vs_random_cost_per_success: mean('optimizer') / mean('random'),
  };
  const targets = { vs_oracle_cost_per_success: '<= 1.10', vs_cheapest_cost_per_success: '<= 0.75', cost_per_result_error: '<= 0.10', pacing_spent_mid_month: '0.40..0.60' };
  const met =
    ratios.vs_oracle_cost_per_success <= 1.1 &&
    ratios.vs_cheapest_cost_per_success <= 0.75 &&
    results.cost_per_result_error <= 0.1 &&
    results.pacing_spent_mid_month >= 0.4 &&
    results.pacing_spent_mid_month <= 0.6;
  console.log(
    `\noptimizer/oracle ${ratios.vs_oracle_cost_per_success.toFixed(3)}, optimizer/cheapest ${ratios.vs_cheapest_cost_per_success.toFixed(3)}, optimizer/random ${ratios.vs_random_cost_per_success.toFixed(3)}; cost_per_result error ${(100 * results.cost_per_result_error).toFixed(1)}%; pacing ${(100 * results.pacing_spent_mid_month).toFixed(1)}% at mid-month; ${met ? 'targets met' : 'TARGETS MISSED'} (${results.seconds.toFixed(1)} s)`,
  );
  console.log(JSON.stringify({ bench: 'optimizer', quick, targets, ratios, results, met }));
}

main();
