import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { idPattern } from './ids';

/** Settlement tells the auction what became of a reservation on a buyer's budget. */
export const BUDGET_SETTLE = 'cmd.auction.settleBudget';

export class SettleBudgetCommand {
  @IsString() @Length(1, 200) budget_id!: string;
  @IsString() @Length(1, 100) reservation_id!: string;
  /** charge: spend `charge_micros` of the reservation and release the rest; release: give it all back; refund: give a charge back. */
  @IsIn(['charge', 'release', 'refund']) action!: 'charge' | 'release' | 'refund';
  @IsOptional() @IsInt() @Min(0) charge_micros?: number;
}

export const SETTLEMENT_COMMANDS = {
  balances: 'cmd.claims.ledgerBalances',
  spend: 'cmd.claims.buyerSpend',
  settlement: 'cmd.claims.getSettlement',
} as const;

export class LedgerBalancesCommand {
  /** One account (`buyer:buy_…`), or every account when absent (operator). */
  @IsOptional() @IsString() @Length(1, 200) account?: string;
}

export class BuyerSpendCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsIn(['day', 'week', 'month', 'total']) period!: 'day' | 'week' | 'month' | 'total';
}

export class GetSettlementCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) outcome_id!: string;
}

export const HISTORY_COMMANDS = {
  history: 'cmd.claims.outcomeHistory',
  results: 'cmd.claims.outcomeResults',
  rebuild: 'cmd.claims.rebuildOutcomeHistory',
  progress: 'cmd.claims.outcomeHistoryProgress',
  rebuildLedger: 'cmd.claims.rebuildLedger',
} as const;

export const HISTORY_STATUSES = ['auctioning', 'running', 'completed', 'escalated', 'failed', 'claim_filed', 'claim_paid'] as const;

/** The buyer's filters on the outcome history (`GET /v1/history`). */
export class HistoryQueryDto {
  @ApiPropertyOptional({ example: 'cs.resolve' }) @IsOptional() @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/, { message: 'type must be an outcome type key' }) type?: string;
  @ApiPropertyOptional({ enum: HISTORY_STATUSES }) @IsOptional() @IsIn(HISTORY_STATUSES) status?: string;
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() @Length(1, 200) cursor?: string;
}

export class HistoryCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsOptional() @IsString() type?: string;
  @IsOptional() @IsString() status?: string;
  @IsOptional() @IsString() from?: string;
  @IsOptional() @IsString() to?: string;
  @IsInt() @Min(1) @Max(100) limit!: number;
  @IsOptional() @IsString() after_created_at?: string;
  @IsOptional() @IsString() after_outcome_id?: string;
}

export class ResultsCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsOptional() @IsString() from?: string;
}
