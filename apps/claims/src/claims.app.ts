import type { INestMicroservice } from '@nestjs/common';
import { ClaimRefused, SettlementRefused } from '@outcomes/domain-settlement';
import { rejectionsToCommandErrors, startNestService, type ServiceRuntime } from '@outcomes/platform';
import { ClaimsModule } from './app.module';
import type { ClaimsConfig } from './config';

export const SERVICE = 'claims';

/** Settlement (the ledger) and, as issue 5 grows, guarantee claims; as main.ts and the tests start it. */
export function createClaimsApp(rt: ServiceRuntime, config: ClaimsConfig): Promise<INestMicroservice> {
  return startNestService(rt, ClaimsModule.with(rt, config), { translateErrors: rejectionsToCommandErrors(SettlementRefused, ClaimRefused) });
}
