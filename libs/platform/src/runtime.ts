import { readFileSync } from 'node:fs';
import { connectBus, DeadLetters, eventsStream, type Bus, type StreamSpec } from '@outcomes/bus';
import { EventStore } from '@outcomes/event-store';
import { createLogger, injectTraceContext, startMetrics, startTracing, type Logger } from '@outcomes/telemetry';
import type { Pool } from 'pg';
import { startHealthServer, type HealthServer, type ReadinessCheck } from './health';
import { createPool } from './pool';
import type { ServiceConfig } from './settings';

/** What a service process stands on: telemetry, PostgreSQL, the event store and the bus. */
export interface ServiceRuntime {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly pool: Pool;
  readonly store: EventStore;
  readonly bus: Bus;
  readonly deadLetters: DeadLetters;
  /** The EVENTS stream as every process provisions it: one spec, so no process undoes another's. */
  readonly eventsStream: StreamSpec;
  readonly metricsPort: number | undefined;
  /** Starts /healthz and /readyz; database and NATS checks are always included. */
  serveHealth(checks?: Readonly<Record<string, ReadinessCheck>>): Promise<HealthServer>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** See BusOptions.noAsyncTraces: for publish-heavy processes such as the relay. */
  readonly noAsyncTraces?: boolean;
}

export async function startRuntime(name: string, config: ServiceConfig, options: RuntimeOptions = {}): Promise<ServiceRuntime> {
  const mode = config.tracing ?? 'auto';
  const tracing = startTracing({ serviceName: name, ...(config.otlpEndpoint && mode !== 'off' ? { otlpEndpoint: config.otlpEndpoint } : {}), record: mode === 'on' });
  const metrics = await startMetrics({ serviceName: name, prometheusPort: config.metricsPort });
  const logger = createLogger(name, { level: config.logLevel });
  const pool = createPool(config.databaseUrl, config.dbPoolSize, (err) => logger.warn({ err: err.message }, 'postgres client error'));
  // Every event appended inside a traced request carries the trace onward through the bus.
  const store = new EventStore(pool, { enrichMetadata: () => ({ ...injectTraceContext() }) });
  const bus = await connectBus({
    servers: config.natsUrl.split(','),
    name,
    namespace: config.natsNamespace,
    logger,
    noAsyncTraces: options.noAsyncTraces ?? false,
    coalesceWrites: config.natsCoalesceWrites ?? true,
    ...(config.natsCreds ? { credentials: readFileSync(config.natsCreds, 'utf8') } : {}),
  });
  const deadLetters = new DeadLetters(pool, bus);
  let health: HealthServer | undefined;
  return {
    name,
    config,
    logger,
    pool,
    store,
    bus,
    deadLetters,
    eventsStream: eventsStream(bus, { replicas: config.jetstreamReplicas }),
    metricsPort: metrics.port,
    async serveHealth(checks = {}) {
      health = await startHealthServer(config.healthPort, {
        postgres: async () => (await pool.query('SELECT 1')).rowCount === 1,
        nats: () => !bus.nc.isClosed() && bus.nc.info !== undefined,
        ...checks,
      });
      return health;
    },
    async stop() {
      await health?.close();
      await bus.close();
      store.close();
      await pool.end().catch(() => undefined);
      await metrics.shutdown();
      await tracing.shutdown();
      logger.flush();
    },
  };
}
