import { createTestDatabase, type TestDatabase } from '@outcomes/testing';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { EventStore } from './event-store';
import { eventStoreMigrations, runMigrations } from './migrate';
import { uuidv7 } from './uuid';

// The move from a row per event (es.events, until Commits1765300000000) to commits, with events
// stored before it, and back.
let db: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  db = await createTestDatabase('es_migrations');
  pool = db.pool();
});
afterAll(() => db.drop());

const before = eventStoreMigrations.slice(0, -1);

interface Stored {
  event_id: string;
  stream_id: string;
  version: string;
  position: string;
  transaction_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}
const storedEvents = async (): Promise<Stored[]> =>
  (
    await pool.query<Stored>(
      `SELECT event_id, stream_id, version::text, position::text, transaction_id::text, type, data, metadata FROM es.events ORDER BY transaction_id, position`,
    )
  ).rows;

it('moves events stored a row each into commits with their ids, versions and positions, and back', async () => {
  await runMigrations(db.url, before, 'es_migrations');
  const oldAppend = (stream: string, events: unknown[]) => pool.query(`SELECT * FROM es.append($1, -3, $2::jsonb)`, [stream, JSON.stringify(events)]);
  await oldAppend('order-1', [
    { id: uuidv7(), type: 'Placed', data: { total: 5 }, metadata: { actor: 'a' } },
    { id: uuidv7(), type: 'Paid', data: { total: 5 }, metadata: {} },
  ]);
  await oldAppend('order-2', [{ id: uuidv7(), type: 'Placed', data: { lines: [1, 2] }, metadata: {} }]);
  await pool.query(`SELECT nextval('es.event_position')`); // a position taken and never used (a rollback)
  const old = await storedEvents();
  expect(old).toHaveLength(3);

  await runMigrations(db.url, eventStoreMigrations, 'es_migrations');
  expect(await storedEvents()).toEqual(old);

  const store = new EventStore(pool);
  try {
    const read = await store.readStream('order-1');
    expect(read.map((e) => [e.id, e.version.toString(), e.position.toString(), e.type, e.data, e.metadata])).toEqual(
      old.filter((e) => e.stream_id === 'order-1').map((e) => [e.event_id, e.version, e.position, e.type, e.data, e.metadata]),
    );
    // Appends go on from where the stream stood, past every position taken before.
    const next = await store.append('order-1', [{ type: 'Shipped', data: {} }], 2n);
    expect(next.events[0]!.version).toBe(3n);
    expect(next.events[0]!.position).toBeGreaterThan(BigInt(old[old.length - 1]!.position) + 1n);
    // A retry of an append stored before the move is still answered as stored.
    const again = await store.append('order-2', [{ id: old[2]!.event_id, type: 'Placed', data: { lines: [1, 2] } }], 'no_stream');
    expect(again.alreadyStored).toBe(true);
    expect(again.events[0]!.position.toString()).toBe(old[2]!.position);
  } finally {
    store.close();
  }
  const moved = await storedEvents();

  // Undone, the events are rows again, the newer one included.
  const ds = new DataSource({ type: 'postgres', url: db.url, migrations: [...eventStoreMigrations], migrationsTableName: 'es_migrations', logging: false });
  await ds.initialize();
  try {
    await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  expect((await pool.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = 'es.events'::regclass`)).rows[0]!.relkind).toBe('r');
  expect(await storedEvents()).toEqual(moved);
  await oldAppend('order-3', [{ id: uuidv7(), type: 'Placed', data: {}, metadata: {} }]);
  expect(await storedEvents()).toHaveLength(moved.length + 1);
});
