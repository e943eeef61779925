import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createTestDatabase, eventually, freePort, migrateDatabase, serviceProcesses, uniqueName, type TestDatabase } from '@outcomes/testing';

export type Call = <T>(method: string, path: string, key: string, body?: unknown) => Promise<{ status: number; body: T }>;

export interface BenchPlatform {
  readonly db: TestDatabase;
  readonly namespace: string;
  readonly operatorKey: string;
  /** The API gateway's port on 127.0.0.1. */
  readonly port: number;
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
  const call = httpClient(port);
  try {
    for (const path of ['/v1/engines', '/v1/catalog/types']) {
      await eventually(async () => ((await call('GET', path, operatorKey).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `${path} to answer`);
    }
  } catch (err) {
    // A service that did not come up: the others are stopped and the database dropped, not left behind.
    await processes.stopAll();
    await db.drop();
    throw err;
  }
  return {
    db,
    namespace,
    operatorKey,
    port,
    call,
    async stop() {
      await processes.stopAll();
      await db.drop();
    },
  };
}

/** The value at percentile `p` of ascending `sorted`. */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * Calls over `node:http` with kept-alive connections. The load generator shares the two cores
 * with what it measures, so it should cost little: `fetch` (undici) took about twice the CPU per
 * call of this.
 */
function httpClient(port: number): Call {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  return (method, path, key, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      if (data !== undefined) headers['content-length'] = Buffer.byteLength(data);
      const req = request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: (text.length > 0 ? JSON.parse(text) : undefined) as never });
          } catch (err) {
            reject(new Error(`${method} ${path}: ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`, { cause: err }));
          }
        });
      });
      req.on('error', reject);
      req.end(data);
    });
}
