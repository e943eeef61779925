import type { INestMicroservice } from '@nestjs/common';
import { startNestService, type ServiceRuntime } from '@outcomes/platform';
import { OptimizerModule } from './app.module';
import type { OptimizerConfig } from './config';

export const SERVICE = 'delivery-optimizer';

/** The delivery optimizer: estimates learned from the event store and JetStream, quotes for the auction, reports; as main.ts and the tests start it. */
export function createOptimizerApp(rt: ServiceRuntime, config: OptimizerConfig): Promise<INestMicroservice> {
  return startNestService(rt, OptimizerModule.with(rt, config));
}
