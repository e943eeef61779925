import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandFailedError, EncodedJson } from '@outcomes/bus';
import { CAPI_CALLER_HEADERS, CAPI_COMMANDS, checkConversionBatch, checkConversionEvent, ConversionEventDto, describeProblems, RawConversionBatchDto, type ConversionResult, type FieldProblem } from '@outcomes/contracts';
import { ConversionsScope } from '../auth/access';
import { Caller, type BuyerCaller } from '../auth/current';
import { ApiError } from '../http/api-error';
import { ServiceClient } from '../service.client';

const invalid = (problems: FieldProblem[]): ApiError => new ApiError('validation_failed', describeProblems(problems), problems);

const callerHeaders = (caller: BuyerCaller): Record<string, string> => ({ [CAPI_CALLER_HEADERS.buyerId]: caller.buyerId, [CAPI_CALLER_HEADERS.actor]: caller.actor });

/** Where the gateway takes the body as bytes (see `createGatewayApp`). */
export const CONVERSION_BATCH_PATH = '/v1/events/batch';

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
  @ApiBody({ type: ConversionEventDto })
  async one(@Caller() caller: BuyerCaller, @Body() raw: unknown): Promise<unknown> {
    const { problems } = checkConversionEvent(raw);
    if (problems.length > 0) throw invalid(problems);
    const [result] = await this.services.request<ConversionResult[]>(CAPI_COMMANDS.ingest, { events: [raw] }, callerHeaders(caller));
    if (result!.status === 'not_found') throw new ApiError('not_found', result!.error!.message, result!.error!.fields);
    if (result!.status === 'rejected') throw new ApiError('rule_violation', result!.error!.message, result!.error!.fields);
    return { success: true, ...result };
  }

  /**
   * Each event is checked on its own, by the ingest service (one pass, not two): one that breaks
   * the schema is answered `rejected` with its fields named (`events[3].event_time`), and the
   * others go on.
   */
  @Post('batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report up to 1,000 conversion events; each is answered on its own, and a bad one does not sink the others' })
  @ApiBody({ type: RawConversionBatchDto })
  async batch(@Caller() caller: BuyerCaller, @Body() body: unknown, @Headers('content-type') contentType: string | undefined): Promise<unknown> {
    // A JSON body arrives as bytes (CONVERSION_BATCH_PATH): capi-ingest parses and checks it, once.
    if (!Buffer.isBuffer(body)) throw invalid(checkConversionBatch(body).problems);
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
    if (charset && charset.toLowerCase() !== 'utf-8') throw new ApiError('validation_failed', 'the body must be UTF-8 JSON', [{ field: 'body', reason: `charset ${charset} is not supported` }]);
    let results: ConversionResult[];
    try {
      results = await this.services.request<ConversionResult[]>(CAPI_COMMANDS.ingest, new EncodedJson(body), callerHeaders(caller));
    } catch (err) {
      if (err instanceof CommandFailedError && err.code === 'INVALID_PAYLOAD') throw new ApiError('validation_failed', 'the body is not valid JSON', [{ field: 'body', reason: 'is not valid JSON' }]);
      throw err;
    }
    const failed = results.filter((r) => r.status === 'rejected' || r.status === 'not_found').length;
    return { success: failed === 0, processed: results.length - failed, failed, results };
  }

  @Get(':eventId')
  @ApiOperation({ summary: 'A reported event: its status and the actions it set off' })
  get(@Caller() caller: BuyerCaller, @Param('eventId') eventId: string): Promise<unknown> {
    return this.services.request(CAPI_COMMANDS.get, { buyer_id: caller.buyerId, event_id: eventId });
  }
}
