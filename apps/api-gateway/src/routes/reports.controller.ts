import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LeaderboardCommand, OPTIMIZER_COMMANDS, PerformanceQueryDto } from '@outcomes/contracts';
import { OperatorOnly } from '../auth/access';
import { Caller, type BuyerCaller } from '../auth/current';
import { ServiceClient } from '../service.client';

/** What the delivery optimizer learned, for people: a buyer's performance over time; the operators' engine leaderboard. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class ReportsController {
  constructor(private readonly services: ServiceClient) {}

  @Get('reports/performance')
  @ApiOperation({
    summary:
      'Your outcomes per type and engine over time (week or day): success rate, cost per success, latency, escalation and claim rates, spend; and per type the cost per success period over period',
  })
  performance(@Caller() caller: BuyerCaller, @Query() q: PerformanceQueryDto): Promise<unknown> {
    return this.services.request(OPTIMIZER_COMMANDS.performance, { ...q, buyer_id: caller.buyerId });
  }

  @Get('admin/engines/leaderboard')
  @OperatorOnly()
  @ApiOperation({ summary: 'Engines per outcome type, best expected cost per success first, with success and escalation estimates, claims, delivery and performance indices (operator key)' })
  leaderboard(@Query() q: LeaderboardCommand): Promise<unknown> {
    return this.services.request(OPTIMIZER_COMMANDS.leaderboard, q);
  }
}
