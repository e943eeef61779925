import { type INestMicroservice, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OutcomesTransport } from '@outcomes/bus';
import type { ServiceRuntime } from '@outcomes/platform';
import { JsonNestLogger, SpanKind, extractTraceContext, withSpan } from '@outcomes/telemetry';
import { CatalogModule } from './app.module';
import { OutcomeTypesService } from './outcome-types/outcome-types.service';
import type { Sealer } from './secrets/sealer';
import { CatalogErrorsFilter } from './shared/catalog-errors.filter';

export const SERVICE = 'catalog';

/**
 * The catalog as a NestJS microservice on our transport; `main.ts` and the tests both start it
 * this way. The platform's outcome types are published before it answers anything.
 */
export async function createCatalogApp(rt: ServiceRuntime, sealer: Sealer): Promise<INestMicroservice> {
  const transport = new OutcomesTransport({
    bus: rt.bus,
    service: SERVICE,
    eventsStream: rt.eventsStream,
    deadLetters: rt.deadLetters,
    aroundCommand: (cmd, next) =>
      withSpan(cmd.command, { kind: SpanKind.SERVER, parent: extractTraceContext(cmd.headers), attributes: { 'messaging.system': 'nats' } }, next),
    aroundEvent: (event, durable, next) =>
      withSpan(`${durable} ${event.type}`, { kind: SpanKind.CONSUMER, parent: extractTraceContext(event.headers), attributes: { 'outcomes.event_id': event.id } }, next),
    onError: (where, err) => rt.logger.error({ where, err: err instanceof Error ? err.stack : String(err) }, 'handler failed'),
  });
  const app = await NestFactory.createMicroservice(CatalogModule.with(rt, sealer), { strategy: transport, logger: new JsonNestLogger(rt.logger) });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new CatalogErrorsFilter());
  await app.init();
  const published = await app.get(OutcomeTypesService).publishBuiltins();
  if (published > 0) rt.logger.info({ published }, 'published platform outcome types');
  await app.listen();
  return app;
}
