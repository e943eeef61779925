import { Estimates, type EstimatesSnapshot, type QuoteView, type Tracked } from './estimates';
import type { Fact, Pricing } from './facts';
import { beta, type Rng } from './random';
import { DEFAULT_SETTINGS, type OptimizerSettings } from './settings';

/**
 * The decisions the marketplace takes with what it learned: each engine's P(success) for a
 * ranking (drawn from the posterior while the engine is learning: Thompson sampling), the most
 * the buyer pays (the bid strategy's controller), and whether to escalate at once because no
 * engine is likely to succeed. The delivery-optimizer service and the market simulation
 * (`npm run bench -- optimizer`) run this same class.
 */
export interface Strategy {
  readonly type: 'bid_cap' | 'cost_per_result' | 'roas_goal' | 'highest_volume';
  readonly capMicros?: number;
  readonly goalMicros?: number;
  readonly roasGoal?: number;
}

export interface BudgetPlan {
  /** The budget's id for its period (the auction's `<config>.<period>`). */
  readonly id: string;
  readonly amountMicros: number;
  readonly periodStart: number;
  /** null: a total budget, nothing to pace over. */
  readonly periodEnd: number | null;
}

export interface QuoteRequest {
  readonly buyerId: string;
  readonly configId: string;
  readonly outcomeType: string;
  readonly engines: readonly string[];
  readonly strategy: Strategy | null;
  readonly budget: BudgetPlan | null;
  /** The configuration's confidence-threshold escalation trigger, if it has one. */
  readonly confidenceThreshold: number | null;
  /** The type's typical maximum price: roas_goal's ceiling before any outcome value was reported. */
  readonly typicalMaxMicros: number | null;
}

export interface Quote {
  readonly probabilities: Record<string, number>;
  /** Engines whose probability is a draw (still learning). */
  readonly explored: string[];
  readonly ceilingMicros: number | null;
  /** cost_per_result: each engine's own ceiling, the goal times its estimated P(success) (never a draw). */
  readonly engineCeilings: Record<string, number> | null;
  readonly strategy: string;
  readonly goal: number | null;
  readonly escalate: { readonly trigger: 'confidence_threshold'; readonly details: string } | null;
}

export interface CostControl {
  logM: number;
  spend: number;
  successes: number;
}

export interface Pace {
  spentMicros: number;
}

export interface OptimizerSnapshot {
  readonly estimates: EstimatesSnapshot;
  readonly cost: Record<string, CostControl>;
  readonly pace: Record<string, Pace>;
  readonly lowestBid: Record<string, number>;
}

/**
 * All a quote reads, and nothing of what learning tracks per outcome: the optimizer service
 * publishes it, and an auction quotes from a copy of it in its own process (no round trip per
 * auction). Plain JSON.
 */
export interface QuoteState {
  readonly settings: OptimizerSettings;
  readonly estimates: QuoteView;
  readonly cost: Record<string, CostControl>;
  readonly pace: Record<string, Pace>;
  readonly lowestBid: Record<string, number>;
}

const MIN_P = 0.01;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export class Optimizer {
  readonly estimates: Estimates;
  /** cost_per_result: per configuration, the ceiling's log multiplier and the running cost per success. */
  private cost = new Map<string, CostControl>();
  /** highest_volume: spent per budget period (awards less releases and refunds). */
  private pace = new Map<string, Pace>();
  /** Per configuration, a running mean of each auction's lowest bid: the market's price level. */
  private lowestBid = new Map<string, number>();

  constructor(
    readonly settings: OptimizerSettings = DEFAULT_SETTINGS,
    maxTracked?: number,
  ) {
    this.estimates = new Estimates(settings, maxTracked);
  }

  apply(fact: Fact): void {
    // What the auction priced with: the estimates let go of it at the award.
    const pricing = fact.kind === 'awarded' ? (this.estimates.outcome(fact.outcomeId)?.pricing ?? null) : null;
    this.estimates.apply(fact);
    const t = this.estimates.outcome(fact.outcomeId);
    if (!t) return;
    switch (fact.kind) {
      case 'auctioned':
        if (fact.lowestBidMicros !== null) {
          const prev = this.lowestBid.get(t.configId);
          this.lowestBid.set(t.configId, prev === undefined ? fact.lowestBidMicros : prev + (fact.lowestBidMicros - prev) / 50);
        }
        return;
      case 'awarded':
        this.onAward(t, pricing, fact.priceMicros);
        return;
      case 'released':
        this.spend(t, -t.priceMicros);
        return;
      case 'charged':
        if (fact.amountMicros < 0) this.spend(t, fact.amountMicros);
        return;
      default:
        return;
    }
  }

  private spend(t: Readonly<Tracked>, micros: number): void {
    if (!t.budgetId) return;
    const p = this.pace.get(t.budgetId) ?? { spentMicros: 0 };
    p.spentMicros += micros;
    this.pace.set(t.budgetId, p);
  }

  private onAward(t: Readonly<Tracked>, pricing: Pricing | null, priceMicros: number): void {
    this.spend(t, priceMicros);
    if (pricing?.strategy !== 'cost_per_result' || pricing.goal === null || t.predicted === null) return;
    // The running cost per success: spend over the successes the winners were predicted to bring.
    const c = this.cost.get(t.configId) ?? { logM: 0, spend: 0, successes: 0 };
    const keep = Math.pow(2, -1 / this.settings.costHalfLife);
    c.spend = c.spend * keep + priceMicros;
    c.successes = c.successes * keep + Math.max(MIN_P, t.predicted);
    // An integral controller on the log of the ratio: above the goal, the ceiling comes down.
    c.logM = clamp(c.logM + this.settings.costControlGain * Math.log(pricing.goal / (c.spend / c.successes)), -3, 3);
    this.cost.set(t.configId, c);
  }

  /** The running cost per success a cost_per_result configuration is steered by; null before its first award. */
  runningCostPerSuccess(configId: string): number | null {
    const c = this.cost.get(configId);
    return c && c.successes > 0 ? c.spend / c.successes : null;
  }

  /** What a budget period has spent as the optimizer counts it. */
  spent(budgetId: string): number {
    return this.pace.get(budgetId)?.spentMicros ?? 0;
  }

  quote(req: QuoteRequest, now: number, rng: Rng): Quote {
    const probabilities: Record<string, number> = {};
    const explored: string[] = [];
    const means: Record<string, number> = {};
    let best = 0;
    for (const engineId of req.engines) {
      const post = this.estimates.success(engineId, req.outcomeType, req.buyerId, now);
      means[engineId] = post.mean;
      best = Math.max(best, post.mean);
      if (post.awards < this.settings.learningPhase) {
        probabilities[engineId] = clamp(beta(rng, post.alpha, post.beta), MIN_P, 1);
        explored.push(engineId);
      } else {
        probabilities[engineId] = clamp(post.mean, MIN_P, 1);
      }
    }
    const { ceilingMicros, goal, engineCeilings } = this.ceiling(req, means, now);
    const threshold = req.confidenceThreshold;
    const escalate =
      threshold !== null && req.engines.length > 0 && best < threshold
        ? ({ trigger: 'confidence_threshold', details: `no eligible engine is predicted to succeed above ${threshold} (best ${best.toFixed(2)})` } as const)
        : null;
    return { probabilities, explored, ceilingMicros, engineCeilings, strategy: req.strategy?.type ?? 'none', goal, escalate };
  }

  /** The most the buyer pays for this outcome under its strategy. Exploration never changes it. */
  private ceiling(req: QuoteRequest, means: Readonly<Record<string, number>>, now: number): { ceilingMicros: number | null; goal: number | null; engineCeilings: Record<string, number> | null } {
    const s = req.strategy;
    switch (s?.type) {
      case 'bid_cap':
        return { ceilingMicros: s.capMicros ?? null, goal: null, engineCeilings: null };
      case 'cost_per_result': {
        const goal = s.goalMicros!;
        // What an engine may ask for its expected cost per success to meet the goal, corrected by the loop.
        const m = Math.exp(this.cost.get(req.configId)?.logM ?? 0);
        const engineCeilings: Record<string, number> = {};
        for (const [engineId, p] of Object.entries(means)) engineCeilings[engineId] = Math.max(1, Math.floor(goal * m * Math.max(p, MIN_P)));
        const all = Object.values(engineCeilings);
        return { ceilingMicros: all.length ? Math.max(...all) : Math.floor(goal * m), goal, engineCeilings };
      }
      case 'roas_goal': {
        const value = this.estimates.predictedValue(req.configId);
        const roas = s.roasGoal!;
        return { ceilingMicros: value === null ? req.typicalMaxMicros : Math.max(1, Math.floor(value / roas)), goal: roas, engineCeilings: null };
      }
      case 'highest_volume':
        return { ceilingMicros: this.pacedCeiling(req, now), goal: null, engineCeilings: null };
      default:
        return { ceilingMicros: null, goal: null, engineCeilings: null };
    }
  }

  /**
   * Even pacing: by a share of the period, about that share of the budget. Behind the line, no
   * ceiling stands in the way; ahead of it, the ceiling falls (from the market's price level) so
   * the budget buys the cheaper outcomes and lasts the period.
   */
  private pacedCeiling(req: QuoteRequest, now: number): number | null {
    const b = req.budget;
    const level = this.lowestBid.get(req.configId);
    if (!b || b.periodEnd === null || level === undefined) return null;
    const elapsed = clamp((now - b.periodStart) / (b.periodEnd - b.periodStart), 0, 1);
    const target = b.amountMicros * elapsed + b.amountMicros * 0.01;
    const ratio = this.spent(b.id) / target;
    const m = Math.exp(-this.settings.pacingGain * (ratio - 1));
    return m > 50 ? null : Math.max(1, Math.floor(level * m));
  }

  quoteState(): QuoteState {
    return { settings: this.settings, estimates: this.estimates.quoteView(), ...this.controls() };
  }

  /** An optimizer that quotes as the one whose `quoteState` this is (it learns nothing: it has no outcomes). */
  static fromQuoteState(q: QuoteState): Optimizer {
    const o = new Optimizer(q.settings);
    o.estimates.restoreQuoteView(q.estimates);
    o.restoreControls(q);
    return o;
  }

  snapshot(): OptimizerSnapshot {
    return { estimates: this.estimates.snapshot(), ...this.controls() };
  }

  restore(s: OptimizerSnapshot): void {
    this.estimates.restore(s.estimates);
    this.restoreControls(s);
  }

  /** The controllers' state: the same in a snapshot and in a quote state. */
  private controls(): Pick<OptimizerSnapshot, 'cost' | 'pace' | 'lowestBid'> {
    return { cost: Object.fromEntries(this.cost), pace: Object.fromEntries(this.pace), lowestBid: Object.fromEntries(this.lowestBid) };
  }

  private restoreControls(c: Pick<OptimizerSnapshot, 'cost' | 'pace' | 'lowestBid'>): void {
    this.cost = new Map(Object.entries(c.cost));
    this.pace = new Map(Object.entries(c.pace));
    this.lowestBid = new Map(Object.entries(c.lowestBid));
  }
}
