import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CAPI_COMMANDS, GetConversionCommand, IngestConversionsCommand, type ConversionResult } from '@outcomes/contracts';
import { ConversionsService } from './conversions.service';

@Controller()
export class ConversionsHandlers {
  constructor(private readonly conversions: ConversionsService) {}

  @MessagePattern(CAPI_COMMANDS.ingest)
  ingest(@Payload() cmd: IngestConversionsCommand): Promise<ConversionResult[]> {
    return this.conversions.ingest(cmd.buyer_id, cmd.actor, cmd.events);
  }

  @MessagePattern(CAPI_COMMANDS.get)
  async get(@Payload() cmd: GetConversionCommand): Promise<unknown> {
    const e = await this.conversions.get(cmd.buyer_id, cmd.event_id);
    return {
      event_id: e.event_id,
      object: 'conversion_event',
      event_type: e.event_type,
      outcome_ids: e.outcome_ids,
      session_id: e.session_id,
      test: e.test,
      status: e.status,
      received_at: e.received_at.toISOString(),
      processed_at: e.processed_at?.toISOString() ?? null,
      actions_triggered: e.actions,
    };
  }
}
