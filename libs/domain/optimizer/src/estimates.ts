import type { Fact, Pricing } from './facts';
import { DEFAULT_SETTINGS, type OptimizerSettings } from './settings';

/**
 * What the marketplace knows of each engine's work, learned from facts as they arrive.
 *
 * Success is a Beta posterior per level: an engine on the type (its prior: the configured prior
 * mean, worth `enginePseudoCount` outcomes), and a buyer's outcomes with the
 * engine (its prior: the engine's mean, worth `buyerPseudoCount`), so a buyer with little data gets
 * the engine's estimate and one with much gets its own. Each outcome adds at most one unit of
 * evidence, split between success and failure by how sure we are of it:
 * - the platform saw the engine escalate, fail or time out: a failure;
 * - a valid claim on a guarantee-backed delivery: a failure;
 * - a conversion: a soft label. A source's trust is the probability its verdict is right, so a
 *   report of success from a source of trust r on an engine estimated at p means success with
 *   probability r·p / (r·p + (1−r)(1−p)) (Bayes), and a report of failure likewise; the most
 *   trusted conversion, then the latest, wins; a partial success counts half each way;
 * - a claim window closed with no valid claim: a success;
 * - an attribution window closed with no conversion: the type's default, as a soft label at
 *   `defaultVerdictTrust`;
 * - a guarantee-backed delivery inside its claim window: a success in proportion to the share of the
 *   window gone by (claims come early or not at all);
 * - a delivery with no feedback yet: pending, no evidence either way.
 * docs/optimizer.md writes the model down.
 */
export interface Counters {
  awards: number;
  completed: number;
  escalated: number;
  failed: number;
  timedOut: number;
  /** Trust-weighted evidence of success and of failure. */
  s: number;
  f: number;
  guarantees: number;
  claims: number;
  claimPaidMicros: number;
  /** Clearing prices at award, and what the ledger charged (less refunds). */
  awardedMicros: number;
  chargedMicros: number;
  /** Award to completion, in log2 millisecond buckets. */
  latency: number[];
  /** Guarantee-backed deliveries inside their claim window: outcome id -> [delivered, window end]. */
  open: Record<string, [number, number]>;
}

const LATENCY_BUCKETS = 40;

export const emptyCounters = (): Counters => ({
  awards: 0,
  completed: 0,
  escalated: 0,
  failed: 0,
  timedOut: 0,
  s: 0,
  f: 0,
  guarantees: 0,
  claims: 0,
  claimPaidMicros: 0,
  awardedMicros: 0,
  chargedMicros: 0,
  latency: new Array<number>(LATENCY_BUCKETS).fill(0),
  open: {},
});

/** The latency quantile q (0..1) of a histogram, in milliseconds; null with no completions. */
export function latencyQuantile(latency: readonly number[], q: number): number | null {
  const n = latency.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  let seen = 0;
  for (let i = 0; i < latency.length; i++) {
    const c = latency[i]!;
    if (seen + c >= q * n && c > 0) return Math.round(2 ** i * (1 + (q * n - seen) / c));
    seen += c;
  }
  return 2 ** latency.length;
}

/** Evidence from guarantee-backed deliveries still inside their window, at `now`. */
export function openCredit(c: Counters, now: number): number {
  let g = 0;
  for (const id in c.open) {
    const [start, end] = c.open[id]!;
    g += end <= start ? 1 : Math.min(1, Math.max(0, (now - start) / (end - start)));
  }
  return g;
}

export interface Tracked {
  buyerId: string;
  configId: string;
  type: string;
  engineId: string | null;
  priceMicros: number;
  awardedAt: number;
  budgetId: string | null;
  platform: 'escalated' | 'failed' | null;
  /** The conversion that counts: its source's trust, and P(success) given it (the soft label). */
  conversion: { trust: number; q: number } | null;
  /** The default verdict's soft label, once the attribution window closed with no conversion. */
  defaulted: number | null;
  guarantee: [number, number] | null;
  claims: string[];
  windowClosed: boolean;
  /** What the auction priced with, from its close until the award; then the winner's P(success) in it. */
  pricing: Pricing | null;
  predicted: number | null;
}

interface Contribution {
  readonly s: number;
  readonly f: number;
  readonly open: [number, number] | null;
}

const NOTHING: Contribution = { s: 0, f: 0, open: null };

/** What one outcome tells of its engine, now; see the class comment for the order of precedence. */
function contribution(t: Tracked): Contribution {
  if (t.engineId === null) return NOTHING;
  if (t.platform) return { s: 0, f: 1, open: null };
  if (t.claims.length > 0) return { s: 0, f: 1, open: null };
  if (t.conversion) return { s: t.conversion.q, f: 1 - t.conversion.q, open: null };
  if (t.windowClosed) return { s: 1, f: 0, open: null };
  if (t.defaulted !== null) return { s: t.defaulted, f: 1 - t.defaulted, open: null };
  if (t.guarantee) return { s: 0, f: 0, open: t.guarantee };
  return NOTHING;
}

/** Facts about an awarded outcome's feedback: before its award they wait. */
const FOLLOWS_AWARD = new Set<Fact['kind']>(['conversion', 'defaulted', 'guaranteed', 'claim', 'window_closed', 'charged', 'released']);

/** P(success) after a verdict from a source right with probability `trust`, on an engine estimated at `p`. */
export function softLabel(verdict: 'success' | 'failure' | 'partial', trust: number, p: number): number {
  if (verdict === 'partial') return 0.5;
  const yes = verdict === 'success' ? trust * p : (1 - trust) * p;
  const no = verdict === 'success' ? (1 - trust) * (1 - p) : trust * (1 - p);
  return yes + no === 0 ? p : yes / (yes + no);
}

/** The day (UTC) of a time: the report's smallest bucket. */
export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** What a snapshot holds: everything the estimates are, as JSON. */
export interface EstimatesSnapshot {
  readonly counters: Record<string, Counters>;
  readonly tracked: Array<[string, Tracked]>;
  readonly values: Record<string, [number, number]>;
  readonly early: Array<[string, Fact[]]>;
}

/** The part of the estimates a quote reads: see `Optimizer.quoteState`. */
export interface QuoteView {
  readonly counters: Record<string, Counters>;
  readonly values: Record<string, [number, number]>;
}

export interface Posterior {
  readonly alpha: number;
  readonly beta: number;
  readonly mean: number;
  /** Awards the engine had on the type: it learns while fewer than the learning phase. */
  readonly awards: number;
}

export class Estimates {
  /** Keyed `e|engine|type`, `b|buyer|engine|type`, `d|buyer|type|engine|day`. */
  private counters = new Map<string, Counters>();
  private tracked = new Map<string, Tracked>();
  /**
   * The tracked outcomes' ids, oldest first from `trackedHead`: what to forget next. (Not the Map's
   * own iterator: `keys().next()` walks over every entry deleted at the front since V8 last rebuilt
   * the table, up to 270 µs an eviction at 200,000 outcomes.) Outcomes are only ever added and
   * forgotten, so the two orders agree.
   */
  private trackedOrder: string[] = [];
  private trackedHead = 0;
  /** Reported value of successful outcomes per configuration: [count, sum micros]. */
  private values = new Map<string, [number, number]>();

  private readonly maxEarly: number;

  constructor(
    readonly settings: OptimizerSettings = DEFAULT_SETTINGS,
    private readonly maxTracked = 500_000,
  ) {
    this.maxEarly = Math.max(1000, Math.floor(maxTracked / 10));
  }

  /** What is known of one outcome (while it is remembered). */
  outcome(outcomeId: string): Readonly<Tracked> | undefined {
    return this.tracked.get(outcomeId);
  }

  private at(key: string): Counters {
    let c = this.counters.get(key);
    if (!c) this.counters.set(key, (c = emptyCounters()));
    return c;
  }

  /** The counters an outcome's evidence goes to: the engine, the buyer with the engine, and its day. */
  private levels(t: Tracked): Counters[] {
    const e = t.engineId!;
    return [this.at(`e|${e}|${t.type}`), this.at(`b|${t.buyerId}|${e}|${t.type}`), this.at(`d|${t.buyerId}|${t.type}|${e}|${dayOf(t.awardedAt)}`)];
  }

  /**
   * Changes what is known of an outcome and moves its evidence with it: out of the counters it was
   * in (its engine and day before), into those it belongs to now (a re-award moves it to the next
   * engine; a timeout leaves it with none).
   */
  private change(outcomeId: string, t: Tracked, mutate: (t: Tracked) => void): void {
    const before = contribution(t);
    const from = t.engineId === null ? [] : this.levels(t);
    mutate(t);
    const after = contribution(t);
    const to = t.engineId === null ? [] : this.levels(t);
    for (const c of from) {
      c.s -= before.s;
      c.f -= before.f;
      if (before.open) delete c.open[outcomeId];
    }
    for (const c of to) {
      c.s += after.s;
      c.f += after.f;
      if (after.open) c.open[outcomeId] = after.open;
    }
  }

  /**
   * Feedback that came before the award it is about (the bus keeps each stream's order, not the
   * order across streams): held, bounded, and applied once the award is known.
   */
  private early = new Map<string, Fact[]>();

  apply(fact: Fact): void {
    if (FOLLOWS_AWARD.has(fact.kind)) {
      const t = this.tracked.get(fact.outcomeId);
      if (!t || t.engineId === null) {
        this.early.set(fact.outcomeId, [...(this.early.get(fact.outcomeId) ?? []), fact]);
        while (this.early.size > this.maxEarly) this.early.delete(this.early.keys().next().value as string);
        return;
      }
    }
    this.applyNow(fact);
    if (fact.kind === 'awarded') {
      const held = this.early.get(fact.outcomeId);
      this.early.delete(fact.outcomeId);
      for (const f of held ?? []) this.apply(f);
    }
  }

  private applyNow(fact: Fact): void {
    if (fact.kind === 'requested') {
      if (this.tracked.has(fact.outcomeId)) return;
      this.trackedOrder.push(fact.outcomeId);
      this.tracked.set(fact.outcomeId, {
        buyerId: fact.buyerId,
        configId: fact.configId,
        type: fact.outcomeType,
        engineId: null,
        priceMicros: 0,
        awardedAt: fact.at,
        budgetId: null,
        platform: null,
        conversion: null,
        defaulted: null,
        guarantee: null,
        claims: [],
        windowClosed: false,
        pricing: null,
        predicted: null,
      });
      this.evict();
      return;
    }
    const t = this.tracked.get(fact.outcomeId);
    if (!t) return;
    switch (fact.kind) {
      case 'auctioned':
        t.pricing = fact.pricing;
        return;
      case 'awarded': {
        const predicted = t.pricing?.probabilities[fact.engineId] ?? null;
        this.change(fact.outcomeId, t, (x) => {
          x.engineId = fact.engineId;
          x.priceMicros = fact.priceMicros;
          x.awardedAt = fact.at;
          x.budgetId = fact.budgetId;
          x.platform = null;
          x.predicted = predicted;
          // Needed no more once awarded (a new auction brings its own): not kept per outcome in memory and snapshots.
          x.pricing = null;
        });
        for (const c of this.levels(t)) {
          c.awards++;
          c.awardedMicros += fact.priceMicros;
        }
        return;
      }
      case 'ended': {
        if (t.engineId !== fact.engineId) return;
        const levels = this.levels(t);
        if (fact.result === 'completed') {
          const bucket = Math.min(LATENCY_BUCKETS - 1, Math.max(0, Math.floor(Math.log2(Math.max(1, fact.at - t.awardedAt)))));
          for (const c of levels) {
            c.completed++;
            c.latency[bucket]!++;
          }
          return;
        }
        for (const c of levels) {
          if (fact.result === 'escalated') c.escalated++;
          else if (fact.result === 'failed') c.failed++;
          else c.timedOut++;
        }
        if (fact.result === 'timed_out') {
          // A failure of this engine; another may be awarded the outcome next.
          for (const c of levels) c.f += 1;
          this.change(fact.outcomeId, t, (x) => (x.engineId = null));
          return;
        }
        this.change(fact.outcomeId, t, (x) => (x.platform = fact.result as 'escalated' | 'failed'));
        return;
      }
      case 'guaranteed':
        if (t.engineId === null) return;
        for (const c of this.levels(t)) c.guarantees++;
        this.change(fact.outcomeId, t, (x) => (x.guarantee = [fact.at, fact.windowEndsAt]));
        return;
      case 'conversion': {
        const trust = this.settings.trust[fact.source] ?? 0.5;
        if (fact.verdict === 'success' && fact.valueMicros !== null && fact.valueMicros > 0) {
          const v = this.values.get(t.configId) ?? [0, 0];
          this.values.set(t.configId, [v[0] + 1, v[1] + fact.valueMicros]);
        }
        // A less trusted source does not overturn a more trusted one; among equals, the latest wins.
        if (t.engineId === null || (t.conversion && t.conversion.trust > trust)) return;
        const q = softLabel(fact.verdict, trust, this.success(t.engineId, t.type, null, fact.at).mean);
        this.change(fact.outcomeId, t, (x) => (x.conversion = { trust, q }));
        return;
      }
      case 'defaulted': {
        if (t.engineId === null) return;
        const q = softLabel(fact.verdict, this.settings.defaultVerdictTrust, this.success(t.engineId, t.type, null, fact.at).mean);
        this.change(fact.outcomeId, t, (x) => (x.defaulted = q));
        return;
      }
      case 'claim': {
        if (t.engineId === null) return;
        if (fact.status === 'filed' && !t.claims.includes(fact.claimId)) {
          for (const c of this.levels(t)) c.claims++;
          this.change(fact.outcomeId, t, (x) => (x.claims = [...x.claims, fact.claimId]));
        } else if (fact.status === 'dropped') {
          this.change(fact.outcomeId, t, (x) => (x.claims = x.claims.filter((id) => id !== fact.claimId)));
        } else if (fact.status === 'paid') {
          for (const c of this.levels(t)) c.claimPaidMicros += fact.amountMicros;
        }
        return;
      }
      case 'window_closed':
        this.change(fact.outcomeId, t, (x) => (x.windowClosed = true));
        return;
      case 'charged':
        if (t.engineId === null) return;
        for (const c of this.levels(t)) c.chargedMicros += fact.amountMicros;
        return;
      case 'released':
        return;
    }
  }

  private evict(): void {
    while (this.tracked.size > this.maxTracked) this.tracked.delete(this.trackedOrder[this.trackedHead++]!);
    if (this.trackedHead > 4096 && this.trackedHead * 2 > this.trackedOrder.length) {
      this.trackedOrder = this.trackedOrder.slice(this.trackedHead);
      this.trackedHead = 0;
    }
  }

  /** P(success) of an engine on a type, for a buyer when one is named, at `now`. */
  success(engineId: string, type: string, buyerId: string | null, now: number): Posterior {
    const e = this.counters.get(`e|${engineId}|${type}`);
    // The configured prior, not the market's mean: an engine the traffic never reached is not
    // assumed as bad as the one it went to (that locks the market in on a cheap, poor engine).
    const k = this.settings.enginePseudoCount;
    const m = this.settings.priorMean;
    let alpha = k * m + (e ? e.s + openCredit(e, now) : 0);
    let beta = k * (1 - m) + (e ? e.f : 0);
    const b = buyerId === null ? undefined : this.counters.get(`b|${buyerId}|${engineId}|${type}`);
    if (b) {
      const prior = alpha / (alpha + beta);
      const j = this.settings.buyerPseudoCount;
      alpha = j * prior + b.s + openCredit(b, now);
      beta = j * (1 - prior) + b.f;
    }
    return { alpha, beta, mean: alpha / (alpha + beta), awards: e?.awards ?? 0 };
  }

  /** P(the engine escalates an awarded outcome of the type), with a weak prior of 5%. */
  escalation(engineId: string, type: string): number {
    const c = this.counters.get(`e|${engineId}|${type}`);
    return c ? (0.5 + c.escalated) / (10 + c.awards) : 0.05;
  }

  /** The mean reported value of one of the configuration's successful outcomes; null before any. */
  predictedValue(configId: string): number | null {
    const v = this.values.get(configId);
    return v && v[0] > 0 ? v[1] / v[0] : null;
  }

  /** Counters of one engine on one type (all buyers). */
  engine(engineId: string, type: string): Counters | undefined {
    return this.counters.get(`e|${engineId}|${type}`);
  }

  /** Every engine and type with counters. */
  engines(): Array<{ engineId: string; type: string; counters: Counters }> {
    const out: Array<{ engineId: string; type: string; counters: Counters }> = [];
    for (const [key, counters] of this.counters) {
      if (!key.startsWith('e|')) continue;
      const [, engineId, type] = key.split('|') as [string, string, string];
      out.push({ engineId, type, counters });
    }
    return out;
  }

  /** Day counters, optionally one buyer's: for the reports. */
  days(buyerId: string | null): Array<{ buyerId: string; type: string; engineId: string; day: string; counters: Counters }> {
    const out: Array<{ buyerId: string; type: string; engineId: string; day: string; counters: Counters }> = [];
    for (const [key, counters] of this.counters) {
      if (!key.startsWith('d|')) continue;
      const [, b, type, engineId, day] = key.split('|') as [string, string, string, string, string];
      if (buyerId === null || b === buyerId) out.push({ buyerId: b, type, engineId, day, counters });
    }
    return out;
  }

  /** What quoting reads (counters and predicted values), without the per-outcome tracking. */
  quoteView(): QuoteView {
    return { counters: Object.fromEntries(this.counters), values: Object.fromEntries(this.values) };
  }

  restoreQuoteView(v: QuoteView): void {
    this.counters = new Map(Object.entries(v.counters));
    this.values = new Map(Object.entries(v.values));
  }

  snapshot(): EstimatesSnapshot {
    return { counters: Object.fromEntries(this.counters), tracked: [...this.tracked], values: Object.fromEntries(this.values), early: [...this.early] };
  }

  restore(s: EstimatesSnapshot): void {
    this.counters = new Map(Object.entries(s.counters));
    this.tracked = new Map(s.tracked);
    this.trackedOrder = s.tracked.map(([id]) => id);
    this.trackedHead = 0;
    this.values = new Map(Object.entries(s.values));
    this.early = new Map(s.early);
  }
}
