import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CommandError } from '@outcomes/bus';
import { CAPI_COMMANDS, checkIngestCommand, GetConversionCommand, type ConversionResult } from '@outcomes/contracts';
import { ConversionsService } from './conversions.service';

@Controller()
export class ConversionsHandlers {
  constructor(private readonly conversions: ConversionsService) {}

  /** The payload is not a class: the validation pipe would copy every event; the envelope is checked here and each event in the service. */
  @MessagePattern(CAPI_COMMANDS.ingest)
  ingest(@Payload() raw: unknown): Promise<ConversionResult[]> {
    const { command, problems } = checkIngestCommand(raw);
    if (!command) {
      const reasons = problems.map((p) => p.reason);
      throw new CommandError('VALIDATION_FAILED', reasons.join('; '), { reasons });
    }
    return this.conversions.ingest(command.buyer_id, command.actor, command.events);
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
