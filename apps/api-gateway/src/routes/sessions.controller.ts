import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUCTION_COMMANDS, CreateSessionDto, CreateTurnDto } from '@outcomes/contracts';
import { Caller, type BuyerCaller } from '../auth/current';
import { ServiceClient } from '../service.client';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a multi-turn session under a launched configuration' })
  start(@Caller() caller: BuyerCaller, @Body() body: CreateSessionDto): Promise<unknown> {
    return this.services.request(AUCTION_COMMANDS.startSession, { buyer_id: caller.buyerId, actor: caller.actor, config_id: body.config_id });
  }

  @Get(':id')
  get(@Caller() caller: BuyerCaller, @Param('id') id: string): Promise<unknown> {
    return this.services.request(AUCTION_COMMANDS.getSession, { buyer_id: caller.buyerId, session_id: id });
  }

  @Post(':id/turns')
  @HttpCode(201)
  @ApiOperation({ summary: 'The next turn: an outcome for the session’s engine; follow it at /v1/outcomes/{id}/events' })
  turn(@Caller() caller: BuyerCaller, @Param('id') id: string, @Body() body: CreateTurnDto): Promise<unknown> {
    return this.services.request(AUCTION_COMMANDS.takeTurn, { buyer_id: caller.buyerId, actor: caller.actor, session_id: id, input: body.input });
  }
}
