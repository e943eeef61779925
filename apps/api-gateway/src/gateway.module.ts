import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ServiceRuntime } from '@outcomes/platform';
import { AuthGuard } from './auth/auth.guard';
import { ServiceClient } from './service.client';
import type { GatewayConfig } from './config';
import { HealthController } from './http/health.controller';
import { GATEWAY_POOL, IdempotencyGuard } from './http/idempotency';
import { RATE_LIMIT_OPTIONS, RateLimitGuard } from './http/rate-limit';
import { READINESS_CHECKS } from './http/health.controller';
import { BuyersController } from './routes/buyers.controller';
import { CatalogController } from './routes/catalog.controller';
import { ConfigsController } from './routes/configs.controller';
import { ConversionsController } from './routes/conversions.controller';
import { ClaimsController } from './routes/claims.controller';
import { SettlementController } from './routes/settlement.controller';
import { ReportsController } from './routes/reports.controller';
import { EngineCallbacksController } from './routes/engine-callbacks.controller';
import { EnginesController } from './routes/engines.controller';
import { OutcomesController } from './routes/outcomes.controller';
import { SessionsController } from './routes/sessions.controller';
import { KeysController } from './routes/keys.controller';
import { GATEWAY_CONFIG, GATEWAY_RUNTIME } from './tokens';

/** Guards run in the order given: who is calling, whether it is over its rate, then its Idempotency-Key. */
@Module({})
export class GatewayModule {
  static with(rt: ServiceRuntime, config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HealthController, BuyersController, KeysController, ConfigsController, CatalogController, EnginesController, OutcomesController, SessionsController, EngineCallbacksController, ConversionsController, SettlementController, ClaimsController, ReportsController],
      providers: [
        { provide: GATEWAY_RUNTIME, useValue: rt },
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_POOL, useValue: rt.pool },
        { provide: RATE_LIMIT_OPTIONS, useValue: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst } },
        {
          provide: READINESS_CHECKS,
          useValue: {
            postgres: async () => (await rt.pool.query('SELECT 1')).rowCount === 1,
            nats: async () => {
              await rt.bus.nc.flush();
              return !rt.bus.nc.isClosed();
            },
          },
        },
        ServiceClient,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: IdempotencyGuard },
      ],
    };
  }
}
