import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Aggregates, type ServiceRuntime } from '@outcomes/platform';
import { BuyersModule } from './buyers/buyers.module';
import { ConfigsModule } from './configs/configs.module';
import { OutcomeTypesModule } from './outcome-types/outcome-types.module';
import { AGGREGATES, RUNTIME, SEALER } from './runtime.token';
import type { Sealer } from '@outcomes/platform';

@Global()
@Module({})
class RuntimeModule {
  static with(rt: ServiceRuntime, sealer: Sealer): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: RUNTIME, useValue: rt },
        { provide: AGGREGATES, useValue: new Aggregates(rt.store) },
        { provide: SEALER, useValue: sealer },
      ],
      exports: [RUNTIME, AGGREGATES, SEALER],
    };
  }
}

@Module({})
export class CatalogModule {
  static with(rt: ServiceRuntime, sealer: Sealer): DynamicModule {
    return { module: CatalogModule, imports: [RuntimeModule.with(rt, sealer), OutcomeTypesModule, BuyersModule, ConfigsModule] };
  }
}
