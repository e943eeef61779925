import { Client, Pool, type PoolConfig } from 'pg';
import { uniqueName } from './unique';

/** The server tests run against; override with TEST_DATABASE_URL (any database on the server will do). */
export const testServerUrl = (): string => process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  pool(config?: Omit<PoolConfig, 'connectionString'>): Pool;
  /** Closes the pools made by `pool()` and drops the database. */
  drop(): Promise<void>;
}

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Creates a fresh, empty database for one test file, so runs never collide and leave nothing behind. */
export async function createTestDatabase(prefix = 'outcomes_test'): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = uniqueName(prefix).toLowerCase();
  const admin = new Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  const pools: Pool[] = [];
  return {
    name,
    url,
    pool(config = {}) {
      const pool = new Pool({ connectionString: url, max: 10, ...config });
      // Idle clients see the server end their sessions when the database is dropped: expected here.
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      const c = new Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
