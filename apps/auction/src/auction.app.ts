import type { INestMicroservice } from '@nestjs/common';
import { BudgetRefused, OutcomeRefused, SessionRefused } from '@outcomes/domain-auction';
import { rejectionsToCommandErrors, startNestService, type ServiceRuntime } from '@outcomes/platform';
import { AuctionModule } from './app.module';
import type { AuctionConfig } from './config';

export const SERVICE = 'auction';

/** Outcome requests and their auctions, as main.ts and the tests start it. */
export function createAuctionApp(rt: ServiceRuntime, config: AuctionConfig): Promise<INestMicroservice> {
  return startNestService(rt, AuctionModule.with(rt, config), { translateErrors: rejectionsToCommandErrors(OutcomeRefused, BudgetRefused, SessionRefused) });
}
