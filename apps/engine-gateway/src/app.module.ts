import { type DynamicModule, Module } from '@nestjs/common';
import { Aggregates, type Sealer, type ServiceRuntime } from '@outcomes/platform';
import { EnginesHandlers } from './engines/engines.handlers';
import { EnginesService } from './engines/engines.service';
import { AGGREGATES, RUNTIME, SEALER } from './tokens';

@Module({})
export class EngineGatewayModule {
  static with(rt: ServiceRuntime, sealer: Sealer): DynamicModule {
    return {
      module: EngineGatewayModule,
      controllers: [EnginesHandlers],
      providers: [
        { provide: RUNTIME, useValue: rt },
        { provide: AGGREGATES, useValue: new Aggregates(rt.store) },
        { provide: SEALER, useValue: sealer },
        EnginesService,
      ],
    };
  }
}
