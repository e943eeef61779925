import { emptyCounters, latencyQuantile, type Counters, type Estimates } from './estimates';

/**
 * What the estimates tell people: a buyer's (or the operator's) performance per outcome type and
 * engine over time, the operators' engine leaderboard, and each engine's own feedback.
 */
export interface PerformanceRow {
  readonly periodStart: string;
  readonly outcomeType: string;
  readonly engineId: string;
  readonly outcomes: number;
  readonly completed: number;
  /** Trust-weighted successes over resolved evidence; null while nothing resolved. */
  readonly successRate: number | null;
  /** Charged (less refunds) per success; null before a success. */
  readonly costPerSuccessMicros: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP90Ms: number | null;
  readonly escalationRate: number;
  /** Claims per guarantee-backed delivery; null with none. */
  readonly claimRate: number | null;
  readonly spendMicros: number;
}

export interface TrendPoint {
  readonly periodStart: string;
  readonly outcomeType: string;
  readonly costPerSuccessMicros: number | null;
  /** Change of cost per success from the period before, as a fraction (−0.1: 10% cheaper). */
  readonly change: number | null;
}

export interface PerformanceQuery {
  readonly buyerId: string | null;
  readonly granularity: 'day' | 'week';
  readonly outcomeType?: string;
  /** Inclusive days, YYYY-MM-DD. */
  readonly from?: string;
  readonly to?: string;
}

function add(into: Counters, c: Counters): void {
  into.awards += c.awards;
  into.completed += c.completed;
  into.escalated += c.escalated;
  into.failed += c.failed;
  into.timedOut += c.timedOut;
  into.s += c.s;
  into.f += c.f;
  into.guarantees += c.guarantees;
  into.claims += c.claims;
  into.claimPaidMicros += c.claimPaidMicros;
  into.awardedMicros += c.awardedMicros;
  into.chargedMicros += c.chargedMicros;
  for (let i = 0; i < c.latency.length; i++) into.latency[i] = (into.latency[i] ?? 0) + c.latency[i]!;
}

/** The Monday (UTC) of a day's week. */
export function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

const costPerSuccess = (c: Counters): number | null => (c.s > 0 ? Math.round(c.chargedMicros / c.s) : null);

function row(periodStart: string, outcomeType: string, engineId: string, c: Counters): PerformanceRow {
  return {
    periodStart,
    outcomeType,
    engineId,
    outcomes: c.awards,
    completed: c.completed,
    successRate: c.s + c.f > 0 ? c.s / (c.s + c.f) : null,
    costPerSuccessMicros: costPerSuccess(c),
    latencyP50Ms: latencyQuantile(c.latency, 0.5),
    latencyP90Ms: latencyQuantile(c.latency, 0.9),
    escalationRate: c.awards > 0 ? c.escalated / c.awards : 0,
    claimRate: c.guarantees > 0 ? c.claims / c.guarantees : null,
    spendMicros: c.chargedMicros,
  };
}

/** Per type and engine per period, and per type the cost per success period over period. */
export function performanceReport(estimates: Estimates, q: PerformanceQuery): { rows: PerformanceRow[]; trend: TrendPoint[] } {
  const cells = new Map<string, { periodStart: string; type: string; engineId: string; c: Counters }>();
  const perType = new Map<string, { periodStart: string; type: string; c: Counters }>();
  for (const d of estimates.days(q.buyerId)) {
    if ((q.outcomeType && d.type !== q.outcomeType) || (q.from && d.day < q.from) || (q.to && d.day > q.to)) continue;
    const periodStart = q.granularity === 'week' ? weekOf(d.day) : d.day;
    const key = `${periodStart}|${d.type}|${d.engineId}`;
    const cell = cells.get(key) ?? { periodStart, type: d.type, engineId: d.engineId, c: emptyCounters() };
    add(cell.c, d.counters);
    cells.set(key, cell);
    const tk = `${d.type}|${periodStart}`;
    const t = perType.get(tk) ?? { periodStart, type: d.type, c: emptyCounters() };
    add(t.c, d.counters);
    perType.set(tk, t);
  }
  const rows = [...cells.values()]
    .sort((a, b) => a.periodStart.localeCompare(b.periodStart) || a.type.localeCompare(b.type) || a.engineId.localeCompare(b.engineId))
    .map((x) => row(x.periodStart, x.type, x.engineId, x.c));
  const trend: TrendPoint[] = [];
  const byType = [...perType.values()].sort((a, b) => a.type.localeCompare(b.type) || a.periodStart.localeCompare(b.periodStart));
  for (let i = 0; i < byType.length; i++) {
    const cur = byType[i]!;
    const prev = i > 0 && byType[i - 1]!.type === cur.type ? byType[i - 1]! : null;
    const now = costPerSuccess(cur.c);
    const before = prev ? costPerSuccess(prev.c) : null;
    trend.push({ periodStart: cur.periodStart, outcomeType: cur.type, costPerSuccessMicros: now, change: now !== null && before !== null && before > 0 ? now / before - 1 : null });
  }
  return { rows, trend };
}

export interface EngineStanding {
  readonly engineId: string;
  readonly outcomeType: string;
  readonly rank: number;
  readonly outcomes: number;
  /** The optimizer's estimate of P(success), as the auction uses it. */
  readonly successProbability: number;
  readonly escalationProbability: number;
  /** Mean clearing price over the estimate: what one success is expected to cost with this engine. */
  readonly expectedCostPerSuccessMicros: number | null;
  readonly latencyP50Ms: number | null;
  readonly claimRate: number | null;
  readonly expectedClaimCostMicros: number | null;
  readonly deliveryIndex: number | null;
  readonly performanceIndex: number | null;
}

/** Seed 004's delivery index: the share of the outcomes that ended which were delivered (100: all); null when none ended. */
export function deliveryIndex(c: Pick<Counters, 'completed' | 'escalated' | 'failed' | 'timedOut'>): number | null {
  const ended = c.completed + c.escalated + c.failed + c.timedOut;
  return ended > 0 ? Math.round((100 * c.completed) / ended) : null;
}

/** Seed 004's performance index: the type's best expected cost per success over the engine's (100: the best). */
export function performanceIndex(expectedCost: number | null, bestCost: number | null): number | null {
  return expectedCost !== null && bestCost !== null && expectedCost > 0 ? Math.round((100 * bestCost) / expectedCost) : null;
}

/** Every engine on every type (or one type), best expected cost per success first. */
export function leaderboard(estimates: Estimates, now: number, outcomeType?: string): EngineStanding[] {
  const entries = estimates
    .engines()
    .filter((e) => !outcomeType || e.type === outcomeType)
    .map((e) => {
      const p = estimates.success(e.engineId, e.type, null, now).mean;
      const cost = e.counters.awards > 0 ? e.counters.awardedMicros / e.counters.awards / Math.max(p, 0.01) : null;
      return { ...e, p, cost };
    });
  const best = new Map<string, number>();
  for (const e of entries) if (e.cost !== null) best.set(e.type, Math.min(best.get(e.type) ?? Infinity, e.cost));
  const sorted = entries.sort((a, b) => a.type.localeCompare(b.type) || (a.cost ?? Infinity) - (b.cost ?? Infinity) || a.engineId.localeCompare(b.engineId));
  let rank = 0;
  return sorted.map((e, i) => {
    rank = i > 0 && sorted[i - 1]!.type === e.type ? rank + 1 : 1;
    const c = e.counters;
    return {
      engineId: e.engineId,
      outcomeType: e.type,
      rank,
      outcomes: c.awards,
      successProbability: e.p,
      escalationProbability: estimates.escalation(e.engineId, e.type),
      expectedCostPerSuccessMicros: e.cost === null ? null : Math.round(e.cost),
      latencyP50Ms: latencyQuantile(c.latency, 0.5),
      claimRate: c.guarantees > 0 ? c.claims / c.guarantees : null,
      expectedClaimCostMicros: c.guarantees > 0 ? Math.round(c.claimPaidMicros / c.guarantees) : null,
      deliveryIndex: deliveryIndex(c),
      performanceIndex: performanceIndex(e.cost, best.get(e.type) ?? null),
    };
  });
}
