import { type DynamicModule, Module } from '@nestjs/common';
import { Aggregates, type ServiceRuntime } from '@outcomes/platform';
import type { ClaimsConfig } from './config';
import { ClaimsHandlers } from './claims/claims.handlers';
import { HistoryHandlers } from './history/history.handlers';
import { HistoryProjection } from './history/history.projection';
import { ClaimsService } from './claims/claims.service';
import { SettlementHandlers } from './settlement/settlement.handlers';
import { SettlementService } from './settlement/settlement.service';
import { AGGREGATES, CLAIMS_CONFIG, RUNTIME } from './tokens';

@Module({})
export class ClaimsModule {
  static with(rt: ServiceRuntime, config: ClaimsConfig): DynamicModule {
    return {
      module: ClaimsModule,
      controllers: [SettlementHandlers, ClaimsHandlers, HistoryHandlers],
      providers: [{ provide: RUNTIME, useValue: rt }, { provide: AGGREGATES, useValue: new Aggregates(rt.store) }, { provide: CLAIMS_CONFIG, useValue: config }, SettlementService, ClaimsService, HistoryProjection],
    };
  }
}
