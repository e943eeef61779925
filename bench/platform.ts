import { randomBytes } from 'node:crypto';
import { createTestDatabase, eventually, freePort, migrateDatabase, serviceProcesses, uniqueName, type TestDatabase } from '@outcomes/testing';

export type Call = <T>(method: string, path: string, key: string, body?: unknown) => Promise<{ status: number; body: T }>;

export interface BenchPlatform {
  readonly db: TestDatabase;
  readonly namespace: string;
  readonly operatorKey: string;
  readonly call: Call;
  stop(): Promise<void>;
}

/**
 * The platform as `npm start` runs it, for a benchmark: a fresh database and NATS namespace,
 * migrations, the given services and the API gateway (rate limits off), ready when the catalog
 * and the engine registry answer through the gateway.
 */
export async function startBenchPlatform(services: readonly string[]): Promise<BenchPlatform> {
  const db = await createTestDatabase('outcomes_bench');
  migrateDatabase(db.url);
  const namespace = uniqueName('b');
  const processes = serviceProcesses(db.url, namespace);
  const operatorKey = `op_${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const env = { OUTCOMES_OPERATOR_KEY: operatorKey, OUTCOMES_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`, LOG_LEVEL: 'error' };
  for (const s of services) processes.start(s, env);
  processes.start('api-gateway', { ...env, PORT: String(port), RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
  const base = `http://127.0.0.1:${port}`;
  const call: Call = async (method, path, key, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as never };
  };
  for (const path of ['/v1/engines', '/v1/catalog/types']) {
    await eventually(async () => ((await call('GET', path, operatorKey).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `${path} to answer`);
  }
  return {
    db,
    namespace,
    operatorKey,
    call,
    async stop() {
      await processes.stopAll();
      await db.drop();
    },
  };
}

/** The value at percentile `p` of ascending `sorted`. */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
