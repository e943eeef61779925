import { createTestEventStore, eventually, uniqueName, type TestEventStore } from '@outcomes/testing';
import type { Pool } from 'pg';
import { applyOnce } from './apply-once';
import type { Bus } from './connection';
import { startConsumer } from './consumer';
import { createTestBus, deleteNamespaceStreams } from './fixtures/bus.fixture';
import { migrateBus } from './migrate';
import { eventsStream, provision } from './provision';
import { startRelay } from './relay';

let t: TestEventStore;
let pool: Pool;
let bus: Bus;
beforeAll(async () => {
  bus = await createTestBus(uniqueName('t'), 'apply-once-test');
  t = await createTestEventStore();
  await migrateBus(t.db.url);
  await migrateBus(t.db.url); // a second run (another replica starting) is a no-op
  pool = t.db.pool({ max: 20 });
  await pool.query('CREATE TABLE balance (account text PRIMARY KEY, micros bigint NOT NULL)');
  await pool.query(`INSERT INTO balance VALUES ('acc', 0)`);
});
afterAll(async () => {
  await deleteNamespaceStreams(bus);
  await bus.close();
  await t.close();
});

const credit = (eventId: string, consumer = 'ledger') =>
  applyOnce(pool, consumer, eventId, async (tx) => {
    const { rows } = await tx.query<{ micros: string }>(`UPDATE balance SET micros = micros + 100 WHERE account = 'acc' RETURNING micros`);
    return BigInt(rows[0]!.micros);
  });
const balance = async (): Promise<bigint> => BigInt((await pool.query<{ micros: string }>(`SELECT micros FROM balance WHERE account = 'acc'`)).rows[0]!.micros);
const reset = () => pool.query(`UPDATE balance SET micros = 0`);

describe('applyOnce', () => {
  it('applies an event once: the second time it is skipped', async () => {
    await reset();
    const id = '0193a7c4-0000-7000-8000-000000000001';
    expect(await credit(id)).toEqual({ applied: true, value: 100n });
    expect(await credit(id)).toEqual({ applied: false });
    expect(await balance()).toBe(100n);
    // the marker is per consumer: another consumer applies the same event for itself
    expect(await credit(id, 'other')).toEqual({ applied: true, value: 200n });
  });

  it('keeps neither effect nor marker when fn throws, so a retry applies it', async () => {
    await reset();
    const id = '0193a7c4-0000-7000-8000-000000000002';
    await expect(
      applyOnce(pool, 'ledger', id, async (tx) => {
        await tx.query(`UPDATE balance SET micros = micros + 100`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await balance()).toBe(0n);
    expect(await credit(id)).toEqual({ applied: true, value: 100n });
  });

  it('applies once when copies race on the same event', async () => {
    await reset();
    const id = '0193a7c4-0000-7000-8000-000000000003';
    const results = await Promise.all(Array.from({ length: 12 }, () => credit(id)));
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(await balance()).toBe(100n);
  });

  it('a redelivered event (applied, then the ack was lost) has its effect once', async () => {
    await reset();
    const stream = eventsStream(bus).name;
    await provision(bus, { streams: [eventsStream(bus)], consumers: [{ stream, durable: 'ledger', filterSubject: bus.subject('evt.payment.>'), maxDeliver: 5 }] });
    const relay = startRelay({ store: t.store, connectionString: t.db.url, bus, pollIntervalMs: 50 });
    const outcomes: boolean[] = [];
    const consumer = await startConsumer(bus, {
      stream,
      durable: 'ledger',
      backoffMs: [20],
      onError: () => undefined,
      handler: async (e) => {
        const r = await credit(e.id);
        outcomes.push(r.applied);
        // the first time, the process "dies" after committing and before acking
        if (e.deliveryCount === 1) throw new Error('crashed before the ack');
      },
    });
    try {
      await t.store.append('payment-1', [{ type: 'Captured', data: { micros: 100 } }]);
      await eventually(() => (outcomes.length === 2 ? true : undefined), 10_000);
      expect(outcomes).toEqual([true, false]);
      expect(await balance()).toBe(100n);
      expect(consumer.stats).toMatchObject({ acked: 1, naked: 1, parked: 0 });
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });
});
