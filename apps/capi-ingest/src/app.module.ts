import { type DynamicModule, Module } from '@nestjs/common';
import type { ServiceRuntime } from '@outcomes/platform';
import { ActionsHandlers } from './actions/actions.handlers';
import { ConversionsHandlers } from './conversions/conversions.handlers';
import { ConversionsService } from './conversions/conversions.service';
import { RUNTIME } from './tokens';

@Module({})
export class CapiModule {
  static with(rt: ServiceRuntime): DynamicModule {
    return { module: CapiModule, controllers: [ConversionsHandlers, ActionsHandlers], providers: [{ provide: RUNTIME, useValue: rt }, ConversionsService] };
  }
}
