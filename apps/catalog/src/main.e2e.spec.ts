import { randomBytes } from 'node:crypto';
import { connectBus, requestCommand, type Bus } from '@outcomes/bus';
import { migrateBus } from '@outcomes/bus';
import { migrateEventStore } from '@outcomes/event-store';
import { createTestDatabase, eventually, testNatsUrl, uniqueName, type TestDatabase } from '@outcomes/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { migrateCatalog } from './migrations';

/** The real entry points, as `npm start` and the container images run them: relay and catalog processes. */
const root = join(__dirname, '../../..');
let db: TestDatabase;
let bus: Bus;
const namespace = uniqueName('t');
const processes: ChildProcess[] = [];

const startService = (name: string, healthPort: number): ChildProcess => {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, `apps/${name}/src/main.ts`)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, NATS_URL: testNatsUrl(), OUTCOMES_NAMESPACE: namespace, HEALTH_PORT: String(healthPort), METRICS_PORT: '0', LOG_LEVEL: 'warn', OUTCOMES_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  processes.push(child);
  return child;
};

const ready = async (port: number): Promise<true | undefined> => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined);

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateEventStore(db.url);
  await migrateBus(db.url);
  await migrateCatalog(db.url);
  bus = await connectBus({ servers: testNatsUrl(), name: 'e2e', namespace });
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  for await (const s of bus.jsm.streams.names()) if (s.endsWith(`_${namespace}`)) await bus.jsm.streams.delete(s);
  await bus.close();
  await db.drop();
});

it('runs the relay and the catalog as processes: ready, answering, projecting, and stopping cleanly on SIGTERM', async () => {
  const healthRelay = 18_000 + Math.floor(Math.random() * 1000);
  const healthCatalog = healthRelay + 1000;
  startService('relay', healthRelay);
  const catalog = startService('catalog', healthCatalog);
  await eventually(() => ready(healthRelay), 30_000, 'relay ready');
  await eventually(() => ready(healthCatalog), 30_000, 'catalog ready');

  const listed = await requestCommand<{ data: Array<{ key: string }> }>(bus, 'cmd.catalog.listOutcomeTypes', {});
  expect(listed.data).toHaveLength(14);
  // The relay carries the catalog's events onto JetStream for the other services.
  await eventually(async () => {
    for await (const name of bus.jsm.streams.names()) {
      if (!name.endsWith(`_${namespace}`)) continue;
      const info = await bus.jsm.streams.info(name);
      if (info.state.messages >= 14) return true;
    }
    return undefined;
  }, 15_000, 'the relay to publish the outcome type events');

  catalog.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => catalog.once('exit', (c) => r(c)));
  expect(code).toBe(0);
}, 90_000);
