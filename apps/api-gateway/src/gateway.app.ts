import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServiceRuntime } from '@outcomes/platform';
import { JsonNestLogger } from '@outcomes/telemetry';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { ApiErrorFilter } from './http/error.filter';
import { setupOpenApi } from './http/openapi';
import { traceRequests } from './http-tracing';
import { CONVERSION_BATCH_PATH } from './routes/conversions.controller';
import { createValidationPipe } from './http/validation';

export const SERVICE = 'api-gateway';

/** The buyer API over HTTP; `main.ts` and the tests start it this way. Listens on `port` (0: any). */
export async function createGatewayApp(rt: ServiceRuntime, config: GatewayConfig, port = config.port): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.with(rt, config), { logger: new JsonNestLogger(rt.logger) });
  app.disable('x-powered-by');
  app.use(traceRequests);
  // A conversion batch is forwarded to capi-ingest as the bytes that came: parsed once, there.
  // The bytes go on in one NATS message, with the request's headers: keep room for those.
  const batchLimit = Math.min(1024 * 1024, (rt.bus.nc.info?.max_payload ?? 1024 * 1024) - 16 * 1024);
  app.useBodyParser('raw', { limit: batchLimit, type: (req: IncomingMessage) => req.url?.split('?')[0] === CONVERSION_BATCH_PATH && /^application\/json\b/i.test(req.headers['content-type'] ?? '') });
  app.useBodyParser('json', { limit: '1mb' });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiErrorFilter());
  setupOpenApi(app);
  await app.listen(port, '0.0.0.0');
  return app;
}
