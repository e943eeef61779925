/**
 * Where 100-event appends spend CPU: microseconds per event in PostgreSQL (the backends serving the
 * bench's database, from /proc/<pid>/stat) and in this Node process (process.cpuUsage), for the
 * store (`EventStore.append`) and for Emmett 0.42 in the same rounds. On two shared cores CPU per
 * event is what bounds the rate, and it is steadier than the rate when the machine is noisy.
 *
 *   npm run bench -- event-store-cpu [--quick] [--rounds=3] [--seconds=2] [--concurrency=8]
 *
 * Each system gets a fresh database (created and dropped here) and a pool of 32; `concurrency`
 * workers append 100 events to new streams back to back. The last line is one JSON object.
 */
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { EventStore, migrateEventStore } from '@outcomes/event-store';
import { createTestDatabase, type TestDatabase } from '@outcomes/testing';
import { Pool } from 'pg';
import { backendCpuSeconds, eventData, opt, quick } from './lib';

const ROUNDS = opt('rounds', quick ? 1 : 3);
const SECONDS = opt('seconds', quick ? 1 : 2);
const CONCURRENCY = opt('concurrency', 8);
const BATCH = 100;

let streams = 0;
const nextBatch = () => {
  const n = ++streams;
  return { streamId: `order${n % 10}-${n}`, events: Array.from({ length: BATCH }, (_, i) => ({ type: 'OrderPlaced', data: eventData(n * 1000 + i) })) };
};

interface System {
  readonly name: 'ours' | 'emmett';
  setup(db: TestDatabase): Promise<void>;
  open(pool: Pool, url: string): { append(): Promise<unknown>; close(): Promise<void> };
}

const SYSTEMS: readonly System[] = [
  {
    name: 'ours',
    setup: (db) => migrateEventStore(db.url).then(() => undefined),
    open(pool) {
      const store = new EventStore(pool);
      return {
        append: () => {
          const { streamId, events } = nextBatch();
          return store.append(streamId, events, 'no_stream');
        },
        close: async () => store.close(),
      };
    },
  },
  {
    name: 'emmett',
    async setup(db) {
      const pool = db.pool({ max: 2 });
      const store = getPostgreSQLEventStore(db.url, { connectionOptions: { pool } });
      await store.schema.migrate();
      await store.close();
    },
    open(pool, url) {
      const store = getPostgreSQLEventStore(url, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });
      return {
        append: () => {
          const { streamId, events } = nextBatch();
          return store.appendToStream(streamId, events, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        },
        close: () => store.close(),
      };
    },
  },
];

interface Round {
  readonly eventsPerSecond: number;
  readonly pgUsPerEvent: number;
  readonly nodeUsPerEvent: number;
}

async function measure(system: System, db: TestDatabase, admin: Pool): Promise<Round> {
  const pool = new Pool({ connectionString: db.url, max: 32 });
  pool.on('error', () => undefined);
  const appender = system.open(pool, db.url);
  const drive = async (ms: number): Promise<number> => {
    const until = performance.now() + ms;
    let events = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          await appender.append();
          events += BATCH;
        }
      }),
    );
    return events;
  };
  try {
    await drive(500); // connections, plans
    const pg0 = await backendCpuSeconds(admin, db.name);
    const node0 = process.cpuUsage();
    const t0 = performance.now();
    const events = await drive(SECONDS * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const node = process.cpuUsage(node0);
    const pg = (await backendCpuSeconds(admin, db.name)) - pg0;
    return { eventsPerSecond: events / elapsed, pgUsPerEvent: (pg * 1e6) / events, nodeUsPerEvent: (node.user + node.system) / events };
  } finally {
    await appender.close();
    await pool.end();
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dbs = new Map<System['name'], TestDatabase>();
  const admin = new Pool({ connectionString: process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
  const rounds = new Map<System['name'], Round[]>();
  try {
    for (const s of SYSTEMS) {
      const db = await createTestDatabase(`bench_cpu_${s.name}`);
      dbs.set(s.name, db);
      await s.setup(db);
    }
    console.log(`100-event appends to new streams, concurrency ${CONCURRENCY}, ${ROUNDS} round(s) of ${SECONDS} s per system`);
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 ? [...SYSTEMS].reverse() : SYSTEMS) {
        const round = await measure(s, dbs.get(s.name)!, admin);
        rounds.set(s.name, [...(rounds.get(s.name) ?? []), round]);
        console.log(`round ${r + 1} ${s.name.padEnd(6)} ${Math.round(round.eventsPerSecond).toLocaleString('en-US').padStart(8)} events/s  PostgreSQL ${round.pgUsPerEvent.toFixed(1)} µs/event  Node ${round.nodeUsPerEvent.toFixed(1)} µs/event`);
      }
    }
  } finally {
    await admin.end();
    for (const db of dbs.values()) await db.drop();
  }
  const results = Object.fromEntries(
    [...rounds].map(([name, rs]) => [
      name,
      {
        events_per_s: Math.round(median(rs.map((x) => x.eventsPerSecond))),
        pg_us_per_event: Number(median(rs.map((x) => x.pgUsPerEvent)).toFixed(1)),
        node_us_per_event: Number(median(rs.map((x) => x.nodeUsPerEvent)).toFixed(1)),
      },
    ]),
  );
  console.table(results);
  const ours = results['ours']!;
  const emmett = results['emmett']!;
  const ratios = {
    pg_cpu_vs_emmett: Number((ours.pg_us_per_event / emmett.pg_us_per_event).toFixed(2)),
    total_cpu_vs_emmett: Number(((ours.pg_us_per_event + ours.node_us_per_event) / (emmett.pg_us_per_event + emmett.node_us_per_event)).toFixed(2)),
    rate_vs_emmett: Number((ours.events_per_s / emmett.events_per_s).toFixed(2)),
  };
  console.log(JSON.stringify({ bench: 'event-store-cpu', results, ratios }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
