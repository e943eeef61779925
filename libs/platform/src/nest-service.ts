import { type DynamicModule, type INestMicroservice, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type CommandError, CommandErrorsFilter, OutcomesTransport } from '@outcomes/bus';
import { JsonNestLogger, SpanKind, extractTraceContext, withSpan } from '@outcomes/telemetry';
import type { ServiceRuntime } from './runtime';
import { memoizeValidationMetadata } from './validation-metadata';

export interface NestServiceOptions {
  /** Turns the service's own errors (domain refusals) into command errors. */
  readonly translateErrors?: (err: unknown) => CommandError | undefined;
  /** Runs after the module is built and before the service answers anything. */
  readonly beforeListen?: (app: INestMicroservice) => Promise<void>;
}

/**
 * A service as a NestJS microservice on our NATS transport: commands in the service's queue
 * group, events through durable consumers, a span per command and per event, DTO validation and
 * error codes that survive the trip back to the caller.
 */
export async function startNestService(rt: ServiceRuntime, module: DynamicModule, options: NestServiceOptions = {}): Promise<INestMicroservice> {
  const transport = new OutcomesTransport({
    bus: rt.bus,
    service: rt.name,
    eventsStream: rt.eventsStream,
    deadLetters: rt.deadLetters,
    aroundCommand: (cmd, next) =>
      withSpan(cmd.command, { kind: SpanKind.SERVER, parent: extractTraceContext(cmd.headers), attributes: { 'messaging.system': 'nats' } }, next),
    aroundEvent: (event, durable, next) =>
      withSpan(`${durable} ${event.type}`, { kind: SpanKind.CONSUMER, parent: extractTraceContext(event.headers), attributes: { 'outcomes.event_id': event.id } }, next),
    onError: (where, err) => rt.logger.error({ where, err: err instanceof Error ? err.stack : String(err) }, 'handler failed'),
  });
  const app = await NestFactory.createMicroservice(module, { strategy: transport, logger: new JsonNestLogger(rt.logger) });
  memoizeValidationMetadata();
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new CommandErrorsFilter(options.translateErrors));
  // NestJS 11's microservice `init` runs the init hooks twice (once in the context's init, again
  // when it registers the transport's listeners), so every onModuleInit subscribed and set its
  // timers twice. The first run is the one we keep.
  (app as INestMicroservice & { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
  await app.init();
  await options.beforeListen?.(app);
  await app.listen();
  return app;
}
