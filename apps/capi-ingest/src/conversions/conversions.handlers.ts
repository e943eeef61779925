import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CommandError, type OutcomesContext } from '@outcomes/bus';
import { CAPI_CALLER_HEADERS, CAPI_COMMANDS, checkConversionBatch, checkIngestCaller, describeProblems, GetConversionCommand, type ConversionResult, type FieldProblem } from '@outcomes/contracts';
import { ConversionsService } from './conversions.service';

const invalid = (problems: readonly FieldProblem[]): CommandError => new CommandError('VALIDATION_FAILED', describeProblems(problems), { fields: problems });

@Controller()
export class ConversionsHandlers {
  constructor(private readonly conversions: ConversionsService) {}

  /**
   * The payload is the buyer's batch as sent, and not a class: the validation pipe would copy
   * every event. The envelope and the caller are checked here, each event in the service.
   */
  @MessagePattern(CAPI_COMMANDS.ingest)
  ingest(@Payload() raw: unknown, @Ctx() ctx: OutcomesContext): Promise<ConversionResult[]> {
    const buyerId = ctx.headers[CAPI_CALLER_HEADERS.buyerId];
    const actor = ctx.headers[CAPI_CALLER_HEADERS.actor];
    const caller = checkIngestCaller(buyerId, actor);
    if (caller.length > 0) throw invalid(caller);
    const { events, problems } = checkConversionBatch(raw);
    if (!events) throw invalid(problems);
    return this.conversions.ingest(buyerId!, actor!, events);
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
