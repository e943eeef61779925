import type { INestMicroservice } from '@nestjs/common';
import { CatalogRejected } from '@outcomes/domain-catalog';
import { rejectionsToCommandErrors, startNestService, type Sealer, type ServiceRuntime } from '@outcomes/platform';
import { CatalogModule } from './app.module';
import { OutcomeTypesService } from './outcome-types/outcome-types.service';

export const SERVICE = 'catalog';

/**
 * The catalog as `main.ts` and the tests start it. The platform's outcome types are published
 * before it answers anything.
 */
export function createCatalogApp(rt: ServiceRuntime, sealer: Sealer): Promise<INestMicroservice> {
  return startNestService(rt, CatalogModule.with(rt, sealer), {
    translateErrors: rejectionsToCommandErrors(CatalogRejected),
    beforeListen: async (app) => {
      const published = await app.get(OutcomeTypesService).publishBuiltins();
      if (published > 0) rt.logger.info({ published }, 'published platform outcome types');
    },
  });
}
