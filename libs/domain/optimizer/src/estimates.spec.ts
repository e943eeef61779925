import { Estimates, latencyQuantile, softLabel } from './estimates';
import type { Fact } from './facts';
import { DEFAULT_SETTINGS } from './settings';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 10, 2);

/** Given a fresh model, outcome `n` of buyer `buyer` awarded to `engine` at T. */
function awarded(e: Estimates, n: number, engine = 'eng_a', buyer = 'buy_1', type = 'cs.resolve', at = T): string {
  const outcomeId = `out_${n}`;
  e.apply({ kind: 'requested', outcomeId, buyerId: buyer, configId: 'cfg_1', outcomeType: type, at });
  e.apply({ kind: 'awarded', outcomeId, engineId: engine, priceMicros: 500_000, budgetId: 'cfg_1.2026-11', at });
  return outcomeId;
}

const mean = (e: Estimates, engine = 'eng_a', buyer: string | null = null, now = T + DAY) => e.success(engine, 'cs.resolve', buyer, now).mean;

describe('success estimates', () => {
  it('start at the configured prior, and a delivery with no feedback yet is pending, not a failure', () => {
    const e = new Estimates();
    expect(mean(e)).toBeCloseTo(DEFAULT_SETTINGS.priorMean, 6);
    for (let n = 0; n < 20; n++) e.apply({ kind: 'ended', outcomeId: awarded(e, n), engineId: 'eng_a', result: 'completed', at: T + HOUR });
    expect(mean(e)).toBeCloseTo(DEFAULT_SETTINGS.priorMean, 6);
    expect(e.engine('eng_a', 'cs.resolve')).toMatchObject({ awards: 20, completed: 20, s: 0, f: 0 });
  });

  it('count what the platform saw (escalations, timeouts) as failures', () => {
    const e = new Estimates();
    e.apply({ kind: 'ended', outcomeId: awarded(e, 1), engineId: 'eng_a', result: 'escalated', at: T + HOUR });
    e.apply({ kind: 'ended', outcomeId: awarded(e, 2), engineId: 'eng_a', result: 'timed_out', at: T + HOUR });
    // The timed-out outcome goes to another engine, whose success does not undo eng_a's failure.
    e.apply({ kind: 'awarded', outcomeId: 'out_2', engineId: 'eng_b', priceMicros: 500_000, budgetId: null, at: T + 2 * HOUR });
    e.apply({ kind: 'conversion', outcomeId: 'out_2', verdict: 'success', source: 'human_reviewer', valueMicros: null, at: T + 3 * HOUR });
    expect(e.engine('eng_a', 'cs.resolve')).toMatchObject({ f: 2, escalated: 1, timedOut: 1 });
    expect(e.engine('eng_b', 'cs.resolve')!.s).toBeGreaterThan(0.9);
  });

  it('weigh a conversion by its source: a trusted verdict moves the estimate more than a self-report', () => {
    const byHuman = new Estimates();
    const bySelf = new Estimates();
    for (let n = 0; n < 30; n++) {
      byHuman.apply({ kind: 'conversion', outcomeId: awarded(byHuman, n), verdict: 'failure', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
      bySelf.apply({ kind: 'conversion', outcomeId: awarded(bySelf, n), verdict: 'failure', source: 'self_report', valueMicros: null, at: T + HOUR });
    }
    expect(mean(byHuman)).toBeLessThan(0.25);
    expect(mean(bySelf)).toBeGreaterThan(mean(byHuman) + 0.1);
  });

  it('let a failure after a success overturn it, but not a less trusted source overturn a more trusted one', () => {
    const e = new Estimates();
    const id = awarded(e, 1);
    e.apply({ kind: 'conversion', outcomeId: id, verdict: 'success', source: 'webhook', valueMicros: null, at: T + HOUR });
    const afterSuccess = e.engine('eng_a', 'cs.resolve')!.s;
    e.apply({ kind: 'conversion', outcomeId: id, verdict: 'failure', source: 'human_reviewer', valueMicros: null, at: T + 2 * HOUR });
    const c = e.engine('eng_a', 'cs.resolve')!;
    expect(afterSuccess).toBeGreaterThan(0.8);
    expect(c.f).toBeGreaterThan(0.8);
    expect(c.s + c.f).toBeCloseTo(1, 6);
    e.apply({ kind: 'conversion', outcomeId: id, verdict: 'success', source: 'self_report', valueMicros: null, at: T + 3 * HOUR });
    expect(e.engine('eng_a', 'cs.resolve')!.f).toBeCloseTo(c.f, 9);
  });

  it('apply the default verdict, at low trust, when the attribution window closes with no conversion', () => {
    const e = new Estimates();
    e.apply({ kind: 'defaulted', outcomeId: awarded(e, 1), verdict: 'failure', at: T + 7 * DAY });
    const c = e.engine('eng_a', 'cs.resolve')!;
    expect(c.f).toBeGreaterThan(0.3);
    expect(c.f).toBeLessThan(0.8);
  });

  it('credit a guarantee-backed delivery in proportion to the share of its claim window gone by, and settle it by claim or close', () => {
    const e = new Estimates();
    const id = awarded(e, 1);
    e.apply({ kind: 'guaranteed', outcomeId: id, windowEndsAt: T + 10 * DAY, at: T });
    const at = (days: number) => e.success('eng_a', 'cs.resolve', null, T + days * DAY);
    // One outcome's worth of evidence on top of the prior (alpha + beta grows by what is credited).
    const prior = at(0);
    expect(at(2.5).alpha - prior.alpha).toBeCloseTo(0.25, 6);
    expect(at(5).alpha - prior.alpha).toBeCloseTo(0.5, 6);
    e.apply({ kind: 'claim', outcomeId: id, claimId: 'clm_1', status: 'filed', amountMicros: 0, at: T + 5 * DAY });
    expect(at(5).alpha).toBeCloseTo(prior.alpha, 6);
    expect(at(5).beta - prior.beta).toBeCloseTo(1, 6);
    e.apply({ kind: 'claim', outcomeId: id, claimId: 'clm_1', status: 'dropped', amountMicros: 0, at: T + 6 * DAY });
    expect(at(6).alpha - prior.alpha).toBeCloseTo(0.6, 6);
    e.apply({ kind: 'window_closed', outcomeId: id, at: T + 10 * DAY });
    expect(at(30).alpha - prior.alpha).toBeCloseTo(1, 6);
    expect(e.engine('eng_a', 'cs.resolve')).toMatchObject({ guarantees: 1, claims: 1, open: {} });
  });

  it("shrink a buyer's estimate toward the engine's: little data follows the engine, much data follows the buyer", () => {
    const e = new Estimates();
    // The engine succeeds for everyone else...
    for (let n = 0; n < 200; n++) e.apply({ kind: 'conversion', outcomeId: awarded(e, n, 'eng_a', `buy_other${n % 5}`), verdict: 'success', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    // ...and fails for one buyer: twice, then two hundred times.
    for (let n = 0; n < 2; n++) e.apply({ kind: 'conversion', outcomeId: awarded(e, 1000 + n, 'eng_a', 'buy_picky'), verdict: 'failure', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    const engine = mean(e);
    const few = mean(e, 'eng_a', 'buy_picky');
    expect(engine).toBeGreaterThan(0.85);
    expect(few).toBeGreaterThan(0.7);
    for (let n = 2; n < 200; n++) e.apply({ kind: 'conversion', outcomeId: awarded(e, 1000 + n, 'eng_a', 'buy_picky'), verdict: 'failure', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    expect(mean(e, 'eng_a', 'buy_picky')).toBeLessThan(0.2);
    // The picky buyer's failures pull the engine's estimate down; another buyer's own record holds up.
    expect(mean(e)).toBeLessThan(engine - 0.2);
    expect(mean(e, 'eng_a', 'buy_other1')).toBeGreaterThan(0.8);
  });

  it('keep a latency distribution of completions', () => {
    const e = new Estimates();
    for (let n = 0; n < 100; n++) e.apply({ kind: 'ended', outcomeId: awarded(e, n), engineId: 'eng_a', result: 'completed', at: T + (n < 90 ? 1_000 : 60_000) });
    const latency = e.engine('eng_a', 'cs.resolve')!.latency;
    expect(latencyQuantile(latency, 0.5)).toBeGreaterThanOrEqual(512);
    expect(latencyQuantile(latency, 0.5)).toBeLessThanOrEqual(2_048);
    expect(latencyQuantile(latency, 0.99)).toBeGreaterThanOrEqual(32_768);
  });

  it('remember the mean reported value of successful outcomes per configuration', () => {
    const e = new Estimates();
    expect(e.predictedValue('cfg_1')).toBeNull();
    e.apply({ kind: 'conversion', outcomeId: awarded(e, 1), verdict: 'success', source: 'webhook', valueMicros: 10_000_000, at: T });
    e.apply({ kind: 'conversion', outcomeId: awarded(e, 2), verdict: 'success', source: 'webhook', valueMicros: 20_000_000, at: T });
    e.apply({ kind: 'conversion', outcomeId: awarded(e, 3), verdict: 'failure', source: 'webhook', valueMicros: 90_000_000, at: T });
    expect(e.predictedValue('cfg_1')).toBe(15_000_000);
  });

  it('remember at most so many outcomes, forgetting the oldest first, also after coming back from a snapshot', () => {
    const e = new Estimates(DEFAULT_SETTINGS, 10_000);
    for (let n = 0; n < 25_000; n++) awarded(e, n);
    expect(e.outcome('out_14999')).toBeUndefined();
    expect(e.outcome('out_15000')).toBeDefined();
    expect(e.outcome('out_24999')).toBeDefined();
    const back = new Estimates(DEFAULT_SETTINGS, 10_000);
    back.restore(JSON.parse(JSON.stringify(e.snapshot())));
    for (let n = 25_000; n < 30_000; n++) awarded(back, n);
    expect(back.outcome('out_19999')).toBeUndefined();
    expect(back.outcome('out_20000')).toBeDefined();
    expect(back.outcome('out_29999')).toBeDefined();
    // Feedback on a forgotten outcome counts nowhere; on a remembered one it does.
    back.apply({ kind: 'conversion', outcomeId: 'out_100', verdict: 'success', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    expect(back.engine('eng_a', 'cs.resolve')!.s).toBe(0);
    back.apply({ kind: 'conversion', outcomeId: 'out_25000', verdict: 'success', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    expect(back.engine('eng_a', 'cs.resolve')!.s).toBeGreaterThan(0.9);
  });

  it('come back from a snapshot exactly as they were', () => {
    const e = new Estimates();
    const facts: Fact[] = [];
    for (let n = 0; n < 50; n++) {
      const id = awarded(e, n, n % 2 ? 'eng_a' : 'eng_b');
      const f: Fact = n % 3 ? { kind: 'conversion', outcomeId: id, verdict: n % 5 ? 'success' : 'failure', source: 'webhook', valueMicros: null, at: T + HOUR } : { kind: 'guaranteed', outcomeId: id, windowEndsAt: T + 5 * DAY, at: T };
      facts.push(f);
      e.apply(f);
    }
    const copy = new Estimates();
    copy.restore(JSON.parse(JSON.stringify(e.snapshot())));
    for (const engine of ['eng_a', 'eng_b']) expect(copy.success(engine, 'cs.resolve', 'buy_1', T + 2 * DAY)).toEqual(e.success(engine, 'cs.resolve', 'buy_1', T + 2 * DAY));
    // And it goes on learning from where it was.
    e.apply({ kind: 'window_closed', outcomeId: 'out_0', at: T + 5 * DAY });
    copy.apply({ kind: 'window_closed', outcomeId: 'out_0', at: T + 5 * DAY });
    expect(copy.engine('eng_b', 'cs.resolve')).toEqual(e.engine('eng_b', 'cs.resolve'));
  });
});

describe('softLabel', () => {
  it('is Bayes: a fully trusted verdict is certain, a coin-flip source says nothing', () => {
    expect(softLabel('success', 1, 0.3)).toBe(1);
    expect(softLabel('failure', 1, 0.9)).toBe(0);
    expect(softLabel('success', 0.5, 0.37)).toBeCloseTo(0.37, 9);
    expect(softLabel('partial', 0.9, 0.8)).toBe(0.5);
    expect(softLabel('failure', 0.8, 0.9)).toBeCloseTo((0.2 * 0.9) / (0.2 * 0.9 + 0.8 * 0.1), 9);
  });
});

describe('feedback that arrives before its award', () => {
  it('waits for the award, then counts (the bus keeps each stream in order, not the streams among themselves)', () => {
    const e = new Estimates();
    e.apply({ kind: 'conversion', outcomeId: 'out_9', verdict: 'failure', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    e.apply({ kind: 'requested', outcomeId: 'out_9', buyerId: 'buy_1', configId: 'cfg_1', outcomeType: 'cs.resolve', at: T });
    e.apply({ kind: 'charged', outcomeId: 'out_9', amountMicros: 100, at: T + HOUR });
    expect(e.engine('eng_a', 'cs.resolve')).toBeUndefined();
    e.apply({ kind: 'awarded', outcomeId: 'out_9', engineId: 'eng_a', priceMicros: 100, budgetId: null, at: T });
    expect(e.engine('eng_a', 'cs.resolve')).toMatchObject({ awards: 1, chargedMicros: 100 });
    expect(e.engine('eng_a', 'cs.resolve')!.f).toBeGreaterThan(0.9);
  });
});

describe('an outcome that moves to another engine', () => {
  it('takes its evidence along: the engine that timed out keeps only its failure, nothing is counted twice', () => {
    const e = new Estimates();
    const id = awarded(e, 1, 'eng_a');
    // A conversion while eng_a still runs it, then eng_a times out and eng_b is awarded the outcome.
    e.apply({ kind: 'conversion', outcomeId: id, verdict: 'success', source: 'human_reviewer', valueMicros: null, at: T + HOUR });
    e.apply({ kind: 'ended', outcomeId: id, engineId: 'eng_a', result: 'timed_out', at: T + 2 * HOUR });
    e.apply({ kind: 'awarded', outcomeId: id, engineId: 'eng_b', priceMicros: 500_000, budgetId: null, at: T + 3 * HOUR });
    expect(e.engine('eng_a', 'cs.resolve')).toMatchObject({ s: 0, f: 1, timedOut: 1 });
    const b = e.engine('eng_b', 'cs.resolve')!;
    expect(b.s + b.f).toBeCloseTo(1, 9);
    expect(b.s).toBeGreaterThan(0.9);
  });
});
