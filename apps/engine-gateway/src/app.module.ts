import { type DynamicModule, Module } from '@nestjs/common';
import { Aggregates, type Sealer, type ServiceRuntime } from '@outcomes/platform';
import { ClaimNotices } from './claims/claim-notices';
import { ClaimNoticesHandlers } from './claims/claim-notices.handlers';
import type { EngineGatewayConfig } from './config';
import { EnginesHandlers } from './engines/engines.handlers';
import { EnginesService } from './engines/engines.service';
import { AGGREGATES, BRIDGE_CONFIG, RUNTIME, SEALER } from './tokens';
import { BridgeHandlers } from './webhooks/bridge.handlers';
import { WebhookBridge } from './webhooks/bridge.service';

@Module({})
export class EngineGatewayModule {
  static with(rt: ServiceRuntime, sealer: Sealer, config: EngineGatewayConfig): DynamicModule {
    return {
      module: EngineGatewayModule,
      controllers: [EnginesHandlers, BridgeHandlers, ClaimNoticesHandlers],
      providers: [
        { provide: RUNTIME, useValue: rt },
        { provide: AGGREGATES, useValue: new Aggregates(rt.store) },
        { provide: SEALER, useValue: sealer },
        { provide: BRIDGE_CONFIG, useValue: config },
        EnginesService,
        WebhookBridge,
        ClaimNotices,
      ],
    };
  }
}
