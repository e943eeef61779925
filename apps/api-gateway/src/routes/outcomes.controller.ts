import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUCTION_COMMANDS, CreateOutcomeDto } from '@outcomes/contracts';
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
}
