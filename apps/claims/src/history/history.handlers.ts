import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { formatUsd, HISTORY_COMMANDS, HistoryCommand, ResultsCommand } from '@outcomes/contracts';
import { HistoryProjection } from './history.projection';

@Controller()
export class HistoryHandlers {
  constructor(private readonly history: HistoryProjection) {}

  @MessagePattern(HISTORY_COMMANDS.history)
  async list(@Payload() cmd: HistoryCommand): Promise<unknown> {
    const after = cmd.after_created_at && cmd.after_outcome_id ? { createdAt: cmd.after_created_at, outcomeId: cmd.after_outcome_id } : null;
    const { rows, hasMore } = await this.history.history(cmd.buyer_id, { type: cmd.type, status: cmd.status, from: cmd.from, to: cmd.to }, cmd.limit, after);
    return {
      data: rows.map((r) => ({
        id: r.outcome_id,
        outcome_type: r.outcome_type,
        description: r.description,
        status: r.status,
        cost: formatUsd(Math.max(0, r.cost_micros)),
        duration_ms: r.duration_ms,
        engine_id: r.engine_id,
        claim: r.claim_id === null ? null : { id: r.claim_id, status: r.claim_status, amount: r.claim_micros === null ? null : formatUsd(r.claim_micros) },
        date: r.created_at.toISOString(),
      })),
      has_more: hasMore,
    };
  }

  @MessagePattern(HISTORY_COMMANDS.results)
  async results(@Payload() cmd: ResultsCommand): Promise<unknown> {
    const rows = await this.history.results(cmd.buyer_id, cmd.from ?? null);
    return {
      data: rows.map((r) => ({
        outcome_type: r['outcome_type'],
        outcomes: r['outcomes'],
        successes: r['successes'],
        escalations: r['escalations'],
        failures: r['failures'],
        claims: r['claims'],
        success_rate: r['success_rate'],
        spend: formatUsd(Math.max(0, Number(r['spend_micros']))),
        cost_per_success: r['cost_per_success_micros'] === null ? null : formatUsd(Math.max(0, Number(r['cost_per_success_micros']))),
      })),
    };
  }

  @MessagePattern(HISTORY_COMMANDS.rebuild)
  rebuild(): Promise<{ rows: number; behind: number; generation: number }> {
    return this.history.rebuild();
  }

  @MessagePattern(HISTORY_COMMANDS.progress)
  progress(): Promise<{ rows: number; behind: number; generation: number }> {
    return this.history.progress();
  }
}

