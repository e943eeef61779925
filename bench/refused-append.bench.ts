/**
 * What a refused append costs: `EventStore.append` with a wrong expected version, one after another,
 * against the same call through node-postgres's `pool.query` (which ends a connection on any error,
 * so the next statement waits for a new backend), and against an append that succeeds.
 *
 *   npm run bench -- refused-append [--quick] [--appends=200]
 *
 * One fresh database (created and dropped here), a pool of 4. Milliseconds per append, median of
 * 3 rounds (1 with --quick). The last line is one JSON object.
 */
import { EventStore, migrateEventStore, uuidv7 } from '@outcomes/event-store';
import { createTestDatabase } from '@outcomes/testing';
import { opt, quick } from './lib';

const APPENDS = opt('appends', quick ? 50 : 200);
const ROUNDS = quick ? 1 : 3;

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_refused');
  try {
    await migrateEventStore(db.url);
    const pool = db.pool({ max: 4 });
    const store = new EventStore(pool);
    await store.append('refused-1', [{ type: 'A', data: {} }], 'no_stream');
    let version = 1n;
    const timed = async (one: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < APPENDS; i++) await one();
      return (performance.now() - t0) / APPENDS;
    };
    const systems = {
      // The store: a refusal gives the connection back.
      refused_store: () => store.append('refused-1', [{ type: 'B', data: {} }], 'no_stream').catch(() => undefined),
      // The same statement through pool.query: a refusal ends the connection.
      refused_pool_query: () =>
        pool
          .query({ name: 'refused', text: 'SELECT * FROM es.append($1, -1, $2::uuid[], $3::json)', values: ['refused-1', `{${uuidv7()}}`, '[{"type":"B","data":{},"metadata":{}}]'] })
          .catch(() => undefined),
      accepted_store: () => store.append('refused-1', [{ type: 'C', data: {} }], version).then((r) => (version = r.nextExpectedVersion)),
    };
    const rounds: Record<string, number[]> = {};
    for (let r = 0; r < ROUNDS; r++) for (const [name, one] of Object.entries(systems)) (rounds[name] ??= []).push(await timed(one));
    store.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const results = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, { ms_per_append: Number(median(v).toFixed(2)) }]));
    console.log(`${APPENDS} appends one after another, ${ROUNDS} round(s), median ms per append`);
    console.table(results);
    const ms = (k: string) => results[k]!.ms_per_append;
    console.log(JSON.stringify({ bench: 'refused-append', results, ratios: { pool_query_vs_store: Number((ms('refused_pool_query') / ms('refused_store')).toFixed(1)) } }));
  } finally {
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
