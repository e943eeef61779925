import { DatabaseError, type Pool, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';

/**
 * `pool.query`, except that a statement the database refused gives its connection back to the pool.
 * node-postgres's `Pool.query` ends the connection on any error, a refused statement included, so
 * every refused append (a wrong expected version, say, which optimistic concurrency makes routine)
 * cost a new connection: a backend started, its caches and the append functions compiled again,
 * about 25-35 ms (docs/benchmarks.md, "Event store: refused appends"). After the database answers
 * with an error the connection is ready for the next statement; one that broke (a lost socket, a
 * FATAL from the server) is still ended.
 */
export async function queryKeepingConnection<R extends QueryResultRow>(pool: Pool, query: QueryConfig): Promise<QueryResult<R>> {
  const client = await pool.connect();
  let result: QueryResult<R>;
  try {
    result = await client.query<R>(query);
  } catch (err) {
    client.release(connectionSurvives(err) ? undefined : (err as Error));
    throw err;
  }
  client.release();
  return result;
}

const connectionSurvives = (err: unknown): boolean => err instanceof DatabaseError && err.severity !== 'FATAL' && err.severity !== 'PANIC';
