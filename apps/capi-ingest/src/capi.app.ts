import type { INestMicroservice } from '@nestjs/common';
import { startNestService, type ServiceRuntime } from '@outcomes/platform';
import { CapiModule } from './app.module';

export const SERVICE = 'capi-ingest';

/** The Conversions API's intake, as main.ts and the tests start it. */
export function createCapiApp(rt: ServiceRuntime): Promise<INestMicroservice> {
  return startNestService(rt, CapiModule.with(rt));
}
