import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
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
