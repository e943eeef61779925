import { parseUsd } from '@outcomes/contracts';

/** The parts of a configuration's public view the auction prices with. */
export interface PricedConfig {
  readonly bid_strategy: { readonly type: string; readonly bid_cap?: string; readonly cost_per_result_goal?: string; readonly roas_goal?: number } | null;
  readonly pricing_summary: { readonly typical_price: { readonly min: string; readonly max: string } } | null;
}

/**
 * The most the auction pays for one outcome under a strategy. `bid_cap` is the buyer's hard cap;
 * `cost_per_result` and `roas_goal` get theirs from a controller: a fixed one now (a share above
 * the goal; the type's typical maximum), which the delivery optimizer will replace.
 */
export interface CeilingController {
  ceilingMicros(config: PricedConfig): number | null;
}

export class FixedCeilingController implements CeilingController {
  constructor(private readonly costGoalPercent: number) {}

  ceilingMicros(config: PricedConfig): number | null {
    const s = config.bid_strategy;
    switch (s?.type) {
      case 'bid_cap':
        return parseUsd(s.bid_cap!);
      case 'cost_per_result':
        return Math.floor((parseUsd(s.cost_per_result_goal!) * this.costGoalPercent) / 100);
      case 'roas_goal':
        return config.pricing_summary ? parseUsd(config.pricing_summary.typical_price.max) : null;
      default:
        return null;
    }
  }
}

/** P(success) of an engine on a type: a prior now, learned by the delivery optimizer later. */
export interface SuccessModel {
  probability(engineId: string, outcomeType: string): number;
}

export class PriorSuccessModel implements SuccessModel {
  constructor(private readonly prior = 0.8) {}

  probability(): number {
    return this.prior;
  }
}
