import { Client } from 'pg';
import { createTestEventStore, eventually, type TestEventStore } from '@outcomes/testing';
import { EventStore } from './event-store';
import { APPENDED_CHANNEL } from './notifier';

let t: TestEventStore;
let listener: Client;
/** For each wake-up received, how many events a read made just after it saw. */
const seenAfterWakeUps: number[] = [];

beforeAll(async () => {
  t = await createTestEventStore(8);
  listener = new Client({ connectionString: t.db.url });
  await listener.connect();
  listener.on('notification', () => {
    void t.store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es.events').then(({ rows }) => seenAfterWakeUps.push(rows[0]!.n));
  });
  await listener.query(`LISTEN ${APPENDED_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await t.close();
});

const total = async () => (await t.store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es.events')).rows[0]!.n;
/** A wake-up arrives after which a read sees every event appended so far. */
const announced = async () => {
  const n = await total();
  await eventually(async () => (seenAfterWakeUps.some((seen) => seen >= n) ? true : undefined), 2_000, `a wake-up after all ${n} events`);
};

describe('wake-ups of subscribers', () => {
  it('rides in the append statement itself: a lone append wakes subscribers with no statement of its own', async () => {
    const store = new EventStore(t.store.pool);
    await store.append('wake-1', [{ type: 'A', data: {} }], 'no_stream');
    await announced();
    expect(store.wakeUpStats).toEqual({ carried: 1, standalone: 0 });
    store.close();
  });

  it('announces every write of a burst, with far fewer wake-ups than appends', async () => {
    for (const groupCommit of [undefined, false] as const) {
      const store = new EventStore(t.store.pool, groupCommit === false ? { groupCommit } : {});
      for (let round = 0; round < 5; round++) {
        // Concurrent appends (they share statements) and then back-to-back ones inside one gap.
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`burst-${String(groupCommit)}-${round}-${i}`, [{ type: 'B', data: { i } }], 'no_stream')));
        for (let i = 0; i < 5; i++) await store.append(`seq-${String(groupCommit)}-${round}-${i}`, [{ type: 'S', data: { i } }], 'no_stream');
        await announced();
      }
      const { carried, standalone } = store.wakeUpStats;
      expect(carried).toBeGreaterThanOrEqual(1);
      expect(carried + standalone).toBeLessThan(5 * 25);
      store.close();
    }
  });

  it('does not carry a wake-up inside a caller transaction, which may roll back', async () => {
    const store = new EventStore(t.store.pool);
    const client = await t.store.pool.connect();
    try {
      await client.query('BEGIN');
      await store.appendInTransaction(client, 'txn-1', [{ type: 'T', data: {} }], 'no_stream');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(store.wakeUpStats.carried).toBe(0);
    // The transaction's write is announced by a statement of its own (subscribers find nothing new
    // after a rollback). A wake-up within the gap after it would not ride in the next append, so let
    // that one go and the gap pass first.
    await eventually(async () => (store.wakeUpStats.standalone === 1 ? true : undefined), 2_000, 'the standalone wake-up');
    await new Promise((r) => setTimeout(r, 10));
    await store.append('txn-2', [{ type: 'T', data: {} }], 'no_stream');
    await announced();
    expect(store.wakeUpStats.carried).toBe(1);
    store.close();
  });
});
