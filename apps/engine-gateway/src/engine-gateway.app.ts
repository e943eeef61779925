import type { INestMicroservice } from '@nestjs/common';
import { EngineRejected } from '@outcomes/domain-engines';
import { rejectionsToCommandErrors, Sealer, startNestService, type ServiceRuntime } from '@outcomes/platform';
import { EngineGatewayModule } from './app.module';
import type { EngineGatewayConfig } from './config';

export const SERVICE = 'engine-gateway';

/** The engine registry and the webhook engines' bridge, as main.ts and tests start them. */
export function createEngineGatewayApp(rt: ServiceRuntime, config: EngineGatewayConfig): Promise<INestMicroservice> {
  const sealer = new Sealer(config.secretsKey, config.retiredSecretsKeys);
  return startNestService(rt, EngineGatewayModule.with(rt, sealer, config), { translateErrors: rejectionsToCommandErrors(EngineRejected) });
}

