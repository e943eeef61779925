import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { HISTORY_COMMANDS, HistoryQueryDto, SETTLEMENT_COMMANDS } from '@outcomes/contracts';
import { decodeCursor, encodeCursor } from '../http/pagination';
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

  @Get('history')
  @ApiOperation({ summary: 'Your outcome history: type, description, status (claim filed, …), cost, duration, claim; filters by type, status and date; cursor pages' })
  async history(@Caller() caller: BuyerCaller, @Query() q: HistoryQueryDto): Promise<unknown> {
    let after: { after_created_at: string; after_outcome_id: string } | Record<string, never> = {};
    if (q.cursor !== undefined) {
      // `<created at, epoch ms>_<outcome id>`: the keyset of the last row of the previous page.
      const raw = decodeCursor(q.cursor);
      const cut = raw.indexOf('_');
      const ms = Number(raw.slice(0, cut));
      if (cut < 1 || !Number.isSafeInteger(ms)) throw new ApiError('validation_failed', 'cursor is not one this API gave out', [{ field: 'cursor', reason: 'must be the next_cursor of a previous page' }]);
      after = { after_created_at: new Date(ms).toISOString(), after_outcome_id: raw.slice(cut + 1) };
    }
    const page = await this.services.request<{ data: Array<{ id: string; date: string }>; has_more: boolean }>(HISTORY_COMMANDS.history, {
      buyer_id: caller.buyerId,
      limit: q.limit ?? 20,
      ...(q.type ? { type: q.type } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...after,
    });
    const last = page.data.at(-1);
    return { object: 'list', data: page.data, has_more: page.has_more, next_cursor: page.has_more && last ? encodeCursor(`${Date.parse(last.date)}_${last.id}`) : null };
  }

  @Get('results')
  @ApiOperation({ summary: 'Your outcome results by type: successes, escalations, failures, claims, success rate, cost per success' })
  results(@Caller() caller: BuyerCaller, @Query('from') from?: string): Promise<unknown> {
    if (from !== undefined && Number.isNaN(Date.parse(from))) throw new ApiError('validation_failed', 'from must be a date', [{ field: 'from', reason: 'must be an ISO 8601 date' }]);
    return this.services.request(HISTORY_COMMANDS.results, { buyer_id: caller.buyerId, ...(from ? { from } : {}) });
  }

  @Post('admin/projections/outcome-history/rebuild')
  @HttpCode(202)
  @OperatorOnly()
  @ApiOperation({ summary: 'Rebuild the outcome history from the event store (operator key); the replay runs on, GET shows its progress' })
  rebuild(): Promise<unknown> {
    return this.services.request(HISTORY_COMMANDS.rebuild, {});
  }

  @Post('admin/projections/ledger/rebuild')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Rebuild the ledger and settlements from the settlement events, in one transaction (operator key)' })
  rebuildLedger(): Promise<unknown> {
    return this.services.request(HISTORY_COMMANDS.rebuildLedger, {});
  }

  @Get('admin/projections/outcome-history')
  @OperatorOnly()
  @ApiOperation({ summary: 'The outcome history projection: rows, and events still to read (operator key)' })
  progress(): Promise<unknown> {
    return this.services.request(HISTORY_COMMANDS.progress, {});
  }

  @Get('ledger/balances')
  @OperatorOnly()
  @ApiOperation({ summary: 'Every account’s balance (credits minus debits), or one account’s (operator key)' })
  balances(@Query('account') account?: string): Promise<unknown> {
    return this.services.request(SETTLEMENT_COMMANDS.balances, account ? { account } : {});
  }
}
