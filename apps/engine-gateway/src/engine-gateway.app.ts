import type { INestMicroservice } from '@nestjs/common';
import { EngineRejected } from '@outcomes/domain-engines';
import { rejectionsToCommandErrors, startNestService, type Sealer, type ServiceRuntime } from '@outcomes/platform';
import { EngineGatewayModule } from './app.module';

export const SERVICE = 'engine-gateway';

/** The engine registry (and, as issue 4 grows, the engines' side of the auction), as main.ts and tests start it. */
export function createEngineGatewayApp(rt: ServiceRuntime, sealer: Sealer): Promise<INestMicroservice> {
  return startNestService(rt, EngineGatewayModule.with(rt, sealer), { translateErrors: rejectionsToCommandErrors(EngineRejected) });
}
