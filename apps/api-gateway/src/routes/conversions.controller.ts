import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CAPI_COMMANDS, ConversionEventDto, RawConversionBatchDto, type ConversionResult } from '@outcomes/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { flattenValidationErrors } from '../http/validation';
import { ConversionsScope } from '../auth/access';
import { Caller, type BuyerCaller } from '../auth/current';
import { ApiError } from '../http/api-error';
import { ServiceClient } from '../service.client';

/**
 * The Conversions API: what the buyer observed after the fact. Full keys and conversions-scope
 * keys both may report. A repeated `event_id` is acknowledged and not processed again.
 */
@ApiTags('conversions')
@ApiBearerAuth()
@ConversionsScope()
@Controller('v1/events')
export class ConversionsController {
  constructor(private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Report one conversion event' })
  async one(@Caller() caller: BuyerCaller, @Body() event: ConversionEventDto): Promise<unknown> {
    const [result] = await this.services.request<ConversionResult[]>(CAPI_COMMANDS.ingest, { buyer_id: caller.buyerId, actor: caller.actor, events: [event] });
    if (result!.status === 'not_found') throw new ApiError('not_found', result!.error!.message, result!.error!.fields);
    if (result!.status === 'rejected') throw new ApiError('rule_violation', result!.error!.message, result!.error!.fields);
    return { success: true, ...result };
  }

  /**
   * Each event is validated on its own: one that breaks the schema is answered `rejected` with its
   * fields named (`events[3].event_time`), and the others go on.
   */
  @Post('batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report up to 1,000 conversion events; each is answered on its own, and a bad one does not sink the others' })
  async batch(@Caller() caller: BuyerCaller, @Body() body: RawConversionBatchDto): Promise<unknown> {
    const checked = await Promise.all(
      body.events.map(async (raw, i) => {
        const event = plainToInstance(ConversionEventDto, raw);
        const errors = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? await validate(event, { whitelist: true, forbidNonWhitelisted: true }) : null;
        if (errors === null) return { i, rejected: { field: `events[${i}]`, reason: 'must be an object' } as const };
        if (errors.length === 0) return { i, event };
        return { i, fields: flattenValidationErrors(errors, `events[${i}]`) };
      }),
    );
    const valid = checked.flatMap((c) => ('event' in c && c.event ? [c.event] : []));
    const answered = valid.length === 0 ? [] : await this.services.request<ConversionResult[]>(CAPI_COMMANDS.ingest, { buyer_id: caller.buyerId, actor: caller.actor, events: valid });
    let next = 0;
    const results: ConversionResult[] = checked.map((c) => {
      if ('event' in c && c.event) return answered[next++]!;
      const fields = 'fields' in c && c.fields ? c.fields : [(c as { rejected: { field: string; reason: string } }).rejected];
      const raw = body.events[c.i] as { event_id?: unknown } | null;
      return {
        event_id: typeof raw?.event_id === 'string' ? raw.event_id : `events[${c.i}]`,
        status: 'rejected',
        error: { code: 'validation_failed', message: `${fields.length} invalid field${fields.length === 1 ? '' : 's'}: ${fields.map((f) => f.field).join(', ')}`, fields },
      };
    });
    const failed = results.filter((r) => r.status === 'rejected' || r.status === 'not_found').length;
    return { success: failed === 0, processed: results.length - failed, failed, results };
  }

  @Get(':eventId')
  @ApiOperation({ summary: 'A reported event: its status and the actions it set off' })
  get(@Caller() caller: BuyerCaller, @Param('eventId') eventId: string): Promise<unknown> {
    return this.services.request(CAPI_COMMANDS.get, { buyer_id: caller.buyerId, event_id: eventId });
  }
}
