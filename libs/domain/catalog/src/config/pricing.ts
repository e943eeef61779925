import type { OutcomeTypeDefinition } from '../outcome-type/outcome-type.events';
import type { ConfigBody, GuaranteeLevel } from './config.types';

/** What a guarantee adds to the price of a guarantee-backed outcome, in basis points. */
export const GUARANTEE_PREMIUM_BPS: Readonly<Record<GuaranteeLevel, number>> = { none: 0, basic: 500, standard: 1000, full: 2000 };

export interface PricingSummary {
  readonly typicalMinMicros: number;
  readonly typicalMaxMicros: number;
  readonly guaranteePremiumBps: number;
  /** The most one outcome may cost under the strategy (premium included); null when the strategy sets none. */
  readonly ceilingMicros: number | null;
  /** Outcomes the budget buys per period at the prices the strategy expects; null without a budget. */
  readonly estimatedVolume: { readonly min: number; readonly max: number; readonly period: string } | null;
  readonly warnings: readonly string[];
}

const withPremium = (micros: number, bps: number): number => Number((BigInt(micros) * BigInt(10_000 + bps) + 9_999n) / 10_000n);
const usd = (micros: number): string => `$${(micros / 1_000_000).toFixed(2)}`;

/**
 * The launch summary: the type's typical range, the strategy's ceiling and the volume the budget
 * implies. Estimates only: the auction sets real prices.
 */
export function pricingSummary(type: OutcomeTypeDefinition, body: ConfigBody): PricingSummary {
  const { minMicros, maxMicros } = type.typicalPrice;
  const bps = body.guarantee ? GUARANTEE_PREMIUM_BPS[body.guarantee.level] : 0;
  const warnings: string[] = [];
  let low = withPremium(minMicros, bps);
  let high = withPremium(maxMicros, bps);
  let ceilingMicros: number | null = null;
  const strategy = body.bidStrategy;
  switch (strategy?.type) {
    case 'bid_cap':
      ceilingMicros = strategy.capMicros;
      if (strategy.capMicros < low) warnings.push(`bid cap ${usd(strategy.capMicros)} is below the typical price ${usd(low)}: expect to win few or no outcomes`);
      low = Math.min(low, strategy.capMicros);
      high = Math.min(high, strategy.capMicros);
      break;
    case 'cost_per_result':
      // An average goal, not a cap: single outcomes may cost more.
      low = high = strategy.goalMicros;
      if (strategy.goalMicros < withPremium(minMicros, bps)) warnings.push(`cost per result goal ${usd(strategy.goalMicros)} is below the typical price: volume may be low`);
      break;
    case 'roas_goal':
      warnings.push('ROAS goal: the price of each outcome follows the outcome_value you report through the Conversions API');
      break;
    case 'highest_volume':
    case undefined:
      break;
    default: {
      const unhandled: never = strategy;
      throw new Error(`unhandled strategy ${String(unhandled)}`);
    }
  }
  const budget = body.budget;
  const estimatedVolume =
    budget === null ? null : { min: Math.floor(budget.amountMicros / Math.max(high, 1)), max: Math.floor(budget.amountMicros / Math.max(low, 1)), period: budget.period };
  if (estimatedVolume && estimatedVolume.max === 0) warnings.push('the budget does not cover one outcome at the expected price');
  return { typicalMinMicros: minMicros, typicalMaxMicros: maxMicros, guaranteePremiumBps: bps, ceilingMicros, estimatedVolume, warnings };
}
