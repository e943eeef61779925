import type { QuoteAnswer, QuoteCommand } from '@outcomes/contracts';
import type { Optimizer } from './optimizer';
import type { Rng } from './random';

/**
 * `cmd.delivery-optimizer.quote` answered by an optimizer: the service's own, or an auction's copy
 * of its published quote state. One mapping, so both answer alike.
 */
export function answerQuote(optimizer: Optimizer, cmd: QuoteCommand, now: number, rng: Rng): QuoteAnswer {
  const s = cmd.strategy;
  const q = optimizer.quote(
    {
      buyerId: cmd.buyer_id,
      configId: cmd.config_id,
      outcomeType: cmd.outcome_type,
      engines: cmd.engines,
      strategy: s ? { type: s.type, ...(s.cap_micros !== undefined ? { capMicros: s.cap_micros } : {}), ...(s.goal_micros !== undefined ? { goalMicros: s.goal_micros } : {}), ...(s.roas_goal !== undefined ? { roasGoal: s.roas_goal } : {}) } : null,
      budget: cmd.budget ? { id: cmd.budget.id, amountMicros: cmd.budget.amount_micros, periodStart: cmd.budget.period_start, periodEnd: cmd.budget.period_end ?? null } : null,
      confidenceThreshold: cmd.confidence_threshold ?? null,
      typicalMaxMicros: cmd.typical_max_micros ?? null,
    },
    now,
    rng,
  );
  return { probabilities: q.probabilities, explored: q.explored, ceiling_micros: q.ceilingMicros, engine_ceilings: q.engineCeilings, strategy: q.strategy, goal: q.goal, escalate: q.escalate };
}
