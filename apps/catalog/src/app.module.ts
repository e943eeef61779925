import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { ServiceRuntime } from '@outcomes/platform';
import { OutcomeTypesModule } from './outcome-types/outcome-types.module';
import { RUNTIME } from './runtime.token';

@Global()
@Module({})
class RuntimeModule {
  static with(rt: ServiceRuntime): DynamicModule {
    return { module: RuntimeModule, providers: [{ provide: RUNTIME, useValue: rt }], exports: [RUNTIME] };
  }
}

@Module({})
export class CatalogModule {
  static with(rt: ServiceRuntime): DynamicModule {
    return { module: CatalogModule, imports: [RuntimeModule.with(rt), OutcomeTypesModule] };
  }
}
