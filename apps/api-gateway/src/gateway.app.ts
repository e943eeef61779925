import { HttpException, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ServiceRuntime } from '@outcomes/platform';
import { JsonNestLogger } from '@outcomes/telemetry';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { useBodyParsers } from './http/body-parsers';
import { ApiErrorFilter } from './http/error.filter';
import { keepClaimedAnswer } from './http/idempotency';
import { setupOpenApi } from './http/openapi';
import { traceRequests } from './http-tracing';
import { CONVERSION_BATCH_PATH } from './routes/conversions.controller';
import { createValidationPipe } from './http/validation';

export const SERVICE = 'api-gateway';

/**
 * The buyer API over HTTP, on Fastify (half the CPU per request of Express: `npm run bench --
 * http-stack`); `main.ts` and the tests start it this way. Listens on `port` (0: any).
 */
export async function createGatewayApp(rt: ServiceRuntime, config: GatewayConfig, port = config.port): Promise<INestApplication> {
  const errors = new ApiErrorFilter();
  const adapter = new FastifyAdapter({
    // Paths as Express matched them: any letter case, a trailing slash or not, parameters of any
    // length (find-my-way's default of 100 characters is under a 128-character conversion event id).
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16 * 1024 },
    // Node's own, which the gateway had on Express, rather than Fastify's (72 s, and no limit).
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    // A request that comes while the gateway stops is answered by its route, as on Express.
    return503OnClosing: false,
    // A path it cannot decode (`%FF`) is refused by the router, before Nest's error handling.
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => errors.answer(new HttpException(err.message, err.statusCode ?? 500), reply),
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.with(rt, config), adapter, { logger: new JsonNestLogger(rt.logger), bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', traceRequests);
  fastify.addHook('onSend', keepClaimedAnswer);
  // A conversion batch is forwarded to capi-ingest as the bytes that came: parsed once, there.
  // The bytes go on in one NATS message, with the request's headers: keep room for those.
  const batchLimit = Math.min(1024 * 1024, (rt.bus.nc.info?.max_payload ?? 1024 * 1024) - 16 * 1024);
  useBodyParsers(fastify, { bytesRoute: CONVERSION_BATCH_PATH, bytesLimit: batchLimit });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(errors);
  setupOpenApi(app);
  await app.listen(port, '0.0.0.0');
  return app;
}
