import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SETTLEMENT_COMMANDS } from '@outcomes/contracts';
import { OperatorOnly } from '../auth/access';
import { Caller, type BuyerCaller } from '../auth/current';
import { ApiError } from '../http/api-error';
import { ServiceClient } from '../service.client';

const PERIODS = ['day', 'week', 'month', 'total'] as const;

/** What the ledger says: a buyer's spend and an outcome's settlement; every account's balance for the operator. */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1')
export class SettlementController {
  constructor(private readonly services: ServiceClient) {}

  @Get('spend')
  @ApiOperation({ summary: 'Your spend by outcome type and period, from the ledger (charges less refunds)' })
  @ApiQuery({ name: 'period', enum: PERIODS, required: false })
  spend(@Caller() caller: BuyerCaller, @Query('period') period = 'month'): Promise<unknown> {
    if (!(PERIODS as readonly string[]).includes(period)) throw new ApiError('validation_failed', 'period must be day, week, month or total', [{ field: 'period', reason: 'must be day, week, month or total' }]);
    return this.services.request(SETTLEMENT_COMMANDS.spend, { buyer_id: caller.buyerId, period });
  }

  @Get('outcomes/:id/settlement')
  @ApiOperation({ summary: 'How an outcome settled: charged, released, refunded, its windows and remaining coverage' })
  settlement(@Caller() caller: BuyerCaller, @Param('id') id: string): Promise<unknown> {
    return this.services.request(SETTLEMENT_COMMANDS.settlement, { buyer_id: caller.buyerId, outcome_id: id });
  }

  @Get('ledger/balances')
  @OperatorOnly()
  @ApiOperation({ summary: 'Every account’s balance (credits minus debits), or one account’s (operator key)' })
  balances(@Query('account') account?: string): Promise<unknown> {
    return this.services.request(SETTLEMENT_COMMANDS.balances, account ? { account } : {});
  }
}
