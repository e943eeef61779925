import type { BidRequest } from '@outcomes/contracts';
import type { EngineBehaviour, Execution } from './engine';

/** One simulated engine: what it asks, how often it truly succeeds, how long it takes, how much it can hold. */
export interface SimEngineSpec {
  readonly id: string;
  readonly name: string;
  /** Asking price per outcome type, in micro-dollars. */
  readonly priceMicros: Readonly<Record<string, number>>;
  /** True success probability per type: what the buyer's conversions will reveal. */
  readonly successRate: Readonly<Record<string, number>>;
  readonly latencyMs: readonly [min: number, max: number];
  readonly escalationRate: number;
  readonly capacity: number;
}

export interface SimClock {
  random(): number;
  after(ms: number, work: () => void): void;
}

export const realClock: SimClock = { random: Math.random, after: (ms, work) => void setTimeout(work, ms).unref?.() };

/** The engine kit behaviour of a simulated engine; `active` is how many outcomes it holds now. */
export function simEngine(spec: SimEngineSpec, clock: SimClock = realClock): EngineBehaviour & { readonly active: () => number } {
  let active = 0;
  const jitter = (micros: number) => Math.max(1, Math.round(micros * (0.9 + 0.2 * clock.random())));
  const work = (run: Execution) => {
    const [min, max] = spec.latencyMs;
    const latency = min + (max - min) * clock.random();
    const type = run.award.outcome_type;
    clock.after(latency / 2, () => {
      run.message(`Working on ${type}.`);
      run.checkpoint(50, 'halfway', Math.round(latency / 2000));
    });
    clock.after(latency, () => {
      active--;
      const done =
        clock.random() < spec.escalationRate
          ? run.escalate({ trigger: 'confidence_threshold', details: 'confidence fell below the threshold', summary: 'needs a human', transcript: [], work_completed_percent: 50 })
          : run.complete({ engine: spec.name, simulated_success: clock.random() < (spec.successRate[type] ?? 0.5) });
      void done.catch(() => undefined);
    });
  };
  return {
    active: () => active,
    bid(req: BidRequest) {
      const price = spec.priceMicros[req.outcome_type];
      if (price === undefined) return { decline: `does not serve ${req.outcome_type}` };
      if (active >= spec.capacity) return { decline: 'at capacity' };
      return { priceMicros: jitter(price) };
    },
    award(run: Execution) {
      if (active >= spec.capacity) return { decline: 'at capacity' };
      active++;
      work(run);
      return true;
    },
  };
}
