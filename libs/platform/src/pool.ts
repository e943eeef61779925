import { Pool } from 'pg';

/**
 * A PostgreSQL pool that survives the server restarting: pg emits 'error' on idle clients whose
 * session ends, and an unhandled 'error' would kill the process. The pool replaces them lazily.
 */
export function createPool(connectionString: string, max: number, onError: (err: Error) => void = () => undefined): Pool {
  const pool = new Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  pool.on('error', onError);
  return pool;
}

export const pingDatabase = async (pool: Pool): Promise<boolean> => {
  await pool.query('SELECT 1');
  return true;
};
