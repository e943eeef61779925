import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AUCTION_COMMANDS, formatUsd, GetOutcomeCommand, PlaceOutcomeCommand } from '@outcomes/contracts';
import { OutcomesService, type LiveOutcome } from './outcomes.service';

export const outcomeView = (o: LiveOutcome) => ({
  id: o.request.outcomeId,
  object: 'outcome' as const,
  status: o.status,
  config_id: o.request.configId,
  outcome_type: o.request.outcomeType,
  engine: o.engineId === null ? null : { id: o.engineId, name: o.engineName },
  price: o.clearingPriceMicros === null ? null : formatUsd(o.clearingPriceMicros),
  latency_ms: o.endedAt === null ? null : Date.parse(o.endedAt) - Date.parse(o.request.at),
  metadata: o.request.metadata,
  created_at: o.request.at,
  awarded_at: o.awardedAt,
  ended_at: o.endedAt,
});

@Controller()
export class OutcomesHandlers {
  constructor(private readonly outcomes: OutcomesService) {}

  @MessagePattern(AUCTION_COMMANDS.place)
  async place(@Payload() cmd: PlaceOutcomeCommand): Promise<unknown> {
    return outcomeView(await this.outcomes.place(cmd.buyer_id, cmd.actor, cmd.config_id, cmd.input, cmd.metadata ?? {}));
  }

  @MessagePattern(AUCTION_COMMANDS.get)
  async get(@Payload() cmd: GetOutcomeCommand): Promise<unknown> {
    return outcomeView(await this.outcomes.get(cmd.buyer_id, cmd.outcome_id));
  }
}
