import { type Execution } from './engine';
import { simEngine, type SimClock, type SimEngineSpec } from './sim-engine';

const spec: SimEngineSpec = { id: 'eng_1', name: 'sim-a', priceMicros: { 'cs.resolve': 400_000 }, successRate: { 'cs.resolve': 0.9 }, latencyMs: [100, 100], escalationRate: 0, capacity: 1 };

/** A clock the test drives: fixed randomness, timers run when told. */
const manualClock = (random: number) => {
  const timers: Array<() => void> = [];
  const clock: SimClock = { random: () => random, after: (_ms, work) => void timers.push(work) };
  return { clock, runAll: () => timers.splice(0).forEach((t) => t()) };
};

const fakeRun = (type = 'cs.resolve') => {
  const calls: string[] = [];
  const run = {
    award: { outcome_type: type },
    message: () => calls.push('message'),
    checkpoint: () => calls.push('checkpoint'),
    complete: async () => void calls.push('complete'),
    escalate: async () => void calls.push('escalate'),
  } as unknown as Execution;
  return { run, calls };
};

const bidRequest = (type: string) => ({ outcome_id: 'out_1', outcome_type: type, tmax_ms: 250, capability_requirements: [], latency_preference: 'balanced' as const, max_latency_seconds: 300 });

describe('simulated engine', () => {
  it('bids its price with at most 10% jitter, declines types it does not serve', () => {
    const { clock } = manualClock(1);
    const engine = simEngine(spec, clock);
    expect(engine.bid(bidRequest('cs.resolve'))).toEqual({ priceMicros: 440_000 });
    expect(engine.bid(bidRequest('legal.review'))).toEqual({ decline: 'does not serve legal.review' });
  });

  it('holds at most its capacity, streams a message and a checkpoint, then completes and frees the slot', () => {
    const { clock, runAll } = manualClock(0.5);
    const engine = simEngine(spec, clock);
    const first = fakeRun();
    expect(engine.award(first.run)).toBe(true);
    expect(engine.bid(bidRequest('cs.resolve'))).toEqual({ decline: 'at capacity' });
    expect(engine.award(fakeRun().run)).toEqual({ decline: 'at capacity' });
    runAll();
    expect(first.calls).toEqual(['message', 'checkpoint', 'complete']);
    expect(engine.active()).toBe(0);
  });

  it('escalates at its escalation rate', () => {
    const { clock, runAll } = manualClock(0.1);
    const engine = simEngine({ ...spec, escalationRate: 0.5 }, clock);
    const r = fakeRun();
    engine.award(r.run);
    runAll();
    expect(r.calls.at(-1)).toBe('escalate');
  });
});
