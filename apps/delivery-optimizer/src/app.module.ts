import { type DynamicModule, Module } from '@nestjs/common';
import type { ServiceRuntime } from '@outcomes/platform';
import type { OptimizerConfig } from './config';
import { OptimizerHandlers } from './learning/optimizer.handlers';
import { OptimizerService } from './learning/optimizer.service';
import { OPTIMIZER_CONFIG, RUNTIME } from './tokens';

@Module({})
export class OptimizerModule {
  static with(rt: ServiceRuntime, config: OptimizerConfig): DynamicModule {
    return {
      module: OptimizerModule,
      controllers: [OptimizerHandlers],
      providers: [{ provide: RUNTIME, useValue: rt }, { provide: OPTIMIZER_CONFIG, useValue: config }, OptimizerService],
    };
  }
}
