import { parseUsd, type QuoteAnswer, type QuoteCommand } from '@outcomes/contracts';
import { periodBounds, periodKey, type BudgetPeriod } from '@outcomes/domain-auction';

/** The parts of a configuration's public view the auction prices with. */
export interface PricedConfig {
  readonly id: string;
  readonly outcome_type: string;
  readonly bid_strategy: { readonly type: string; readonly bid_cap?: string; readonly cost_per_result_goal?: string; readonly roas_goal?: number } | null;
  readonly pricing_summary: { readonly typical_price: { readonly min: string; readonly max: string } } | null;
  readonly budget: { readonly amount: string; readonly period: string } | null;
  readonly escalation_policy: { readonly enabled: boolean; readonly triggers: ReadonlyArray<{ readonly type: string; readonly threshold?: number }> };
}

/**
 * What the auction asks the delivery optimizer before it invites bids: the strategy, the budget's
 * period, the confidence threshold (when the configuration escalates on one), the engines.
 */
export function quoteCommand(buyerId: string, config: PricedConfig, engines: readonly string[], now: Date): QuoteCommand {
  const s = config.bid_strategy;
  const b = config.budget;
  const threshold = config.escalation_policy.enabled ? config.escalation_policy.triggers.find((t) => t.type === 'confidence_threshold')?.threshold : undefined;
  const bounds = b ? periodBounds(b.period as BudgetPeriod, now) : null;
  return {
    buyer_id: buyerId,
    config_id: config.id,
    outcome_type: config.outcome_type,
    engines: [...engines],
    strategy: s
      ? {
          type: s.type as 'bid_cap',
          ...(s.bid_cap ? { cap_micros: parseUsd(s.bid_cap) } : {}),
          ...(s.cost_per_result_goal ? { goal_micros: parseUsd(s.cost_per_result_goal) } : {}),
          ...(s.roas_goal !== undefined ? { roas_goal: s.roas_goal } : {}),
        }
      : null,
    budget: b && bounds ? { id: `${config.id}.${periodKey(b.period as BudgetPeriod, now)}`, amount_micros: parseUsd(b.amount), period_start: bounds.start, period_end: bounds.end } : null,
    confidence_threshold: threshold ?? null,
    typical_max_micros: config.pricing_summary ? parseUsd(config.pricing_summary.typical_price.max) : null,
  };
}

/**
 * The answer when the optimizer does not (down, slow): every engine at the prior, and a fixed
 * ceiling per strategy (`bid_cap` its cap; `cost_per_result` a share above the goal; `roas_goal`
 * the type's typical maximum; `highest_volume` none). The auction goes on without learning.
 */
export function fallbackQuote(cmd: QuoteCommand, prior: number, costGoalPercent: number): QuoteAnswer {
  const s = cmd.strategy;
  const ceiling =
    s?.type === 'bid_cap'
      ? (s.cap_micros ?? null)
      : s?.type === 'cost_per_result'
        ? Math.floor(((s.goal_micros ?? 0) * costGoalPercent) / 100)
        : s?.type === 'roas_goal'
          ? (cmd.typical_max_micros ?? null)
          : null;
  return { probabilities: Object.fromEntries(cmd.engines.map((e) => [e, prior])), explored: [], ceiling_micros: ceiling, engine_ceilings: null, strategy: s?.type ?? 'none', goal: null, escalate: null };
}
