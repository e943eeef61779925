import { migrateBus } from '@outcomes/bus';
import { migrateEventStore } from '@outcomes/event-store';
import { startRuntime, type ServiceRuntime } from '@outcomes/platform';
import { createTestDatabase, type TestDatabase } from './database';
import { uniqueName } from './unique';

export const testNatsUrl = (): string => process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

export interface TestRuntime {
  readonly db: TestDatabase;
  readonly namespace: string;
  readonly rt: ServiceRuntime;
  /** Another process's runtime on the same database and namespace (a second replica, say). */
  another(name: string): Promise<ServiceRuntime>;
  close(): Promise<void>;
}

/**
 * A service runtime against a fresh database and a NATS namespace of its own: the event store,
 * bus and any extra migrations applied; `close` stops it, deletes its JetStream streams and drops
 * the database.
 */
export async function createTestRuntime(name: string, migrate: ReadonlyArray<(url: string) => Promise<unknown>> = []): Promise<TestRuntime> {
  const db = await createTestDatabase();
  await migrateEventStore(db.url);
  await migrateBus(db.url);
  for (const m of migrate) await m(db.url);
  const namespace = uniqueName('t');
  const runtimes: ServiceRuntime[] = [];
  const start = async (n: string): Promise<ServiceRuntime> => {
    const rt = await startRuntime(n, {
      databaseUrl: db.url,
      natsUrl: testNatsUrl(),
      natsNamespace: namespace,
      dbPoolSize: 10,
      healthPort: 0,
      metricsPort: 0,
      otlpEndpoint: undefined,
      logLevel: 'warn',
      jetstreamReplicas: 1,
    });
    runtimes.push(rt);
    return rt;
  };
  const rt = await start(name);
  return {
    db,
    namespace,
    rt,
    another: start,
    async close() {
      const names: string[] = [];
      for await (const s of rt.bus.jsm.streams.names()) if (s.endsWith(`_${namespace}`)) names.push(s);
      await Promise.all(names.map((s) => rt.bus.jsm.streams.delete(s)));
      for (const r of runtimes.reverse()) await r.stop().catch(() => undefined);
      await db.drop();
    },
  };
}
