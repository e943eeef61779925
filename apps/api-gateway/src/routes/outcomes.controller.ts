import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUCTION_COMMANDS, CreateOutcomeDto, type OutcomeStreamEvent } from '@outcomes/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import { Caller, type BuyerCaller } from '../auth/current';
import { ServiceClient } from '../service.client';

@ApiTags('outcomes')
@ApiBearerAuth()
@Controller('v1/outcomes')
export class OutcomesController {
  constructor(private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Request an outcome under a launched configuration; answers at once while the auction runs' })
  place(@Caller() caller: BuyerCaller, @Body() body: CreateOutcomeDto): Promise<unknown> {
    return this.services.request(AUCTION_COMMANDS.place, { buyer_id: caller.buyerId, actor: caller.actor, config_id: body.config_id, input: body.input, metadata: body.metadata });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, engine, price, latency and timestamps of an outcome' })
  get(@Caller() caller: BuyerCaller, @Param('id') id: string): Promise<unknown> {
    return this.services.request(AUCTION_COMMANDS.get, { buyer_id: caller.buyerId, outcome_id: id });
  }

  /**
   * Server-Sent Events: what already happened, then each new step until the outcome ends. Resumes
   * after `Last-Event-ID`. The gateway polls the auction service, so any replica can serve it.
   * The stream is written to the raw response, taken from Fastify (`hijack`) once it starts.
   */
  @Get(':id/events')
  @ApiOperation({ summary: 'The execution as Server-Sent Events (replays what already happened; resumes after Last-Event-ID)' })
  async events(@Caller() caller: BuyerCaller, @Param('id') id: string, @Headers('last-event-id') lastEventId: string | undefined, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let after = lastEventId === undefined ? 0 : Number(lastEventId);
    if (!Number.isInteger(after) || after < 0) throw new ApiError('validation_failed', 'Last-Event-ID must be an event id from this stream', [{ field: 'Last-Event-ID', reason: 'must be a whole number' }]);
    const fetch = () => this.services.request<{ events: OutcomeStreamEvent[]; ended: boolean }>(AUCTION_COMMANDS.events, { buyer_id: caller.buyerId, outcome_id: id, after_version: after });
    let page = await fetch(); // a missing outcome answers 404 before the stream starts
    let closed = false;
    req.raw.on('close', () => (closed = true));
    reply.hijack();
    const res = reply.raw;
    // The headers the guards set (X-RateLimit-*) are kept on the reply, which no longer sends.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    let idle = 0;
    while (!closed) {
      for (const e of page.events) {
        res.write(`id: ${e.version}\nevent: ${e.event}\ndata: ${JSON.stringify({ ...(e.data as object), at: e.at })}\n\n`);
        after = e.version;
      }
      if (page.ended && page.events.length === 0) break;
      if (page.events.length === 0 && ++idle % 150 === 0) res.write(': keep-alive\n\n');
      if (page.events.length === 0) await new Promise((r) => setTimeout(r, 100));
      page = await fetch().catch(() => ({ events: [], ended: false }));
    }
    res.end();
  }
}
