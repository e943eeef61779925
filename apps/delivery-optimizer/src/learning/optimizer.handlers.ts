import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { formatUsd, LeaderboardCommand, OPTIMIZER_COMMANDS, PerformanceReportCommand, QuoteCommand, type QuoteAnswer } from '@outcomes/contracts';
import { OptimizerService } from './optimizer.service';

const usd = (micros: number | null) => (micros === null ? null : formatUsd(micros));
const ratio = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

@Controller()
export class OptimizerHandlers {
  constructor(private readonly optimizer: OptimizerService) {}

  @MessagePattern(OPTIMIZER_COMMANDS.quote)
  quote(@Payload() cmd: QuoteCommand): QuoteAnswer {
    return this.optimizer.quote(cmd);
  }

  @MessagePattern(OPTIMIZER_COMMANDS.performance)
  performance(@Payload() cmd: PerformanceReportCommand): unknown {
    const granularity = cmd.granularity ?? 'week';
    const { rows, trend } = this.optimizer.performance({ buyerId: cmd.buyer_id ?? null, granularity, ...(cmd.outcome_type ? { outcomeType: cmd.outcome_type } : {}), ...(cmd.from ? { from: cmd.from } : {}), ...(cmd.to ? { to: cmd.to } : {}) });
    return {
      granularity,
      data: rows.map((r) => ({
        period_start: r.periodStart,
        outcome_type: r.outcomeType,
        engine_id: r.engineId,
        outcomes: r.outcomes,
        completed: r.completed,
        success_rate: ratio(r.successRate),
        cost_per_success: usd(r.costPerSuccessMicros),
        latency_p50_ms: r.latencyP50Ms,
        latency_p90_ms: r.latencyP90Ms,
        escalation_rate: ratio(r.escalationRate),
        claim_rate: ratio(r.claimRate),
        spend: formatUsd(r.spendMicros),
      })),
      cost_trend: trend.map((t) => ({ period_start: t.periodStart, outcome_type: t.outcomeType, cost_per_success: usd(t.costPerSuccessMicros), change: ratio(t.change) })),
    };
  }

  @MessagePattern(OPTIMIZER_COMMANDS.leaderboard)
  leaderboard(@Payload() cmd: LeaderboardCommand): unknown {
    return {
      data: this.optimizer.leaderboard(cmd.outcome_type).map((s) => ({
        rank: s.rank,
        outcome_type: s.outcomeType,
        engine_id: s.engineId,
        outcomes: s.outcomes,
        success_probability: ratio(s.successProbability),
        escalation_probability: ratio(s.escalationProbability),
        expected_cost_per_success: usd(s.expectedCostPerSuccessMicros),
        latency_p50_ms: s.latencyP50Ms,
        claim_rate: ratio(s.claimRate),
        expected_claim_cost: usd(s.expectedClaimCostMicros),
        delivery_index: s.deliveryIndex,
        performance_index: s.performanceIndex,
      })),
    };
  }
}
