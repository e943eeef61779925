import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import type { Subscription } from '@nats-io/nats-core';
import { lastValueFrom, isObservable } from 'rxjs';
import { serveCommands, type CommandHandler, type IncomingCommand } from '../commands';
import type { Bus } from '../connection';
import { startConsumer, type RunningConsumer } from '../consumer';
import type { DeadLetters } from '../dead-letters';
import type { BusEvent } from '../envelope';
import { eventsStream, provision, type ConsumerSpec, type StreamSpec } from '../provision';

export interface OutcomesTransportOptions {
  readonly bus: Bus;
  /** The service's name: its commands' queue group and the prefix of its durable consumers. */
  readonly service: string;
  /** The EVENTS stream spec (replicas and all); the platform default when absent. */
  readonly eventsStream?: StreamSpec;
  readonly deadLetters?: DeadLetters;
  readonly maxDeliver?: number;
  readonly backoffMs?: readonly number[];
  readonly concurrency?: number;
  /** Runs around each command and event (tracing, logging); must call `next`. */
  readonly aroundCommand?: <T>(cmd: IncomingCommand, next: () => Promise<T>) => Promise<T>;
  readonly aroundEvent?: <T>(event: BusEvent, durable: string, next: () => Promise<T>) => Promise<T>;
  readonly onError?: (where: string, err: unknown) => void;
}

/** The context a handler can ask for with `@Ctx()`. */
export class OutcomesContext {
  constructor(
    readonly pattern: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly event?: BusEvent,
  ) {}
}

/** `evt.catalog.Thing.*` → `catalog-evt_catalog_Thing_all`: durable names allow no dots or wildcards. */
export const durableName = (service: string, pattern: string): string =>
  `${service}-${pattern.replace(/\*/g, 'any').replace(/>/g, 'all').replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * A NestJS transport on our bus. `@MessagePattern('cmd.<service>.<command>')` handlers answer core
 * NATS requests in the service's queue group; `@EventPattern('evt.<category>.<Type>')` handlers
 * each get a durable JetStream pull consumer (provisioned at start, idempotently) with explicit
 * acks, retries with backoff and dead-lettering. More copies of the service share both.
 */
export class OutcomesTransport extends Server implements CustomTransportStrategy {
  private subscriptions: Subscription[] = [];
  private consumers: RunningConsumer[] = [];

  constructor(private readonly options: OutcomesTransportOptions) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      const commands = new Map<string, CommandHandler>();
      const events: Array<[string, MessageHandler]> = [];
      for (const [pattern, handler] of this.messageHandlers) {
        if (handler.isEventHandler) events.push([pattern, handler]);
        else commands.set(pattern, (cmd) => this.runCommand(cmd, handler));
      }
      this.subscriptions = serveCommands(this.options.bus, this.options.service, commands, (command, err) =>
        this.options.onError?.(command, err),
      );
      await this.startEventConsumers(events);
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private async runCommand(cmd: IncomingCommand, handler: MessageHandler): Promise<unknown> {
    const invoke = async (): Promise<unknown> => {
      const result: unknown = await handler(cmd.payload, new OutcomesContext(cmd.command, cmd.headers));
      return isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
    };
    return this.options.aroundCommand ? this.options.aroundCommand(cmd, invoke) : invoke();
  }

  private async startEventConsumers(events: ReadonlyArray<[string, MessageHandler]>): Promise<void> {
    if (events.length === 0) return;
    const { bus } = this.options;
    const stream = this.options.eventsStream ?? eventsStream(bus);
    const specs: ConsumerSpec[] = events.map(([pattern]) => ({
      stream: stream.name,
      durable: durableName(this.options.service, pattern),
      filterSubject: bus.subject(pattern),
      ...(this.options.maxDeliver ? { maxDeliver: this.options.maxDeliver } : {}),
      ...(this.options.backoffMs ? { backoffMs: this.options.backoffMs } : {}),
    }));
    await provision(bus, { streams: [stream], consumers: specs });
    for (const [i, [pattern, handler]] of events.entries()) {
      const durable = specs[i]!.durable;
      const run = async (event: BusEvent): Promise<void> => {
        const invoke = async (): Promise<void> => {
          const result: unknown = await handler(event, new OutcomesContext(pattern, event.headers, event));
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        };
        await (this.options.aroundEvent ? this.options.aroundEvent(event, durable, invoke) : invoke());
      };
      this.consumers.push(
        await startConsumer(bus, {
          stream: stream.name,
          durable,
          handler: run,
          ...(this.options.deadLetters ? { deadLetters: this.options.deadLetters } : {}),
          ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
          onError: (err) => this.options.onError?.(pattern, err),
        }),
      );
    }
  }

  /** Stops taking work, lets in-flight handlers finish; the bus itself is closed by its owner. */
  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
    await Promise.all(this.consumers.map((c) => c.stop()));
    this.subscriptions = [];
    this.consumers = [];
  }

  on(): void {
    throw new Error('OutcomesTransport does not emit status events');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }
}
