import { createTestEventStore, eventually, sleep, uniqueName, type TestEventStore } from '@outcomes/testing';
import type { Pool } from 'pg';
import { applyOnce } from './apply-once';
import type { Bus } from './connection';
import { startConsumer, type BusHandler } from './consumer';
import { DeadLetters } from './dead-letters';
import type { BusEvent } from './envelope';
import { createTestBus, deleteNamespaceStreams } from './fixtures/bus.fixture';
import { migrateBus } from './migrate';
import { eventsStream, provision, type ConsumerSpec } from './provision';
import { startRelay, type Relay } from './relay';

let t: TestEventStore;
let bus: Bus;
let pool: Pool;
let relay: Relay;
let deadLetters: DeadLetters;
let stream: string;
const consumerOf = (durable: string, category: string, extra: Partial<ConsumerSpec> = {}): ConsumerSpec => ({
  stream,
  durable,
  filterSubject: bus.subject(`evt.${category}.>`),
  maxDeliver: 3,
  ackWaitMs: 5_000,
  ...extra,
});

beforeAll(async () => {
  t = await createTestEventStore();
  await migrateBus(t.db.url);
  pool = t.db.pool();
  bus = await createTestBus(uniqueName('t'), 'consumer-test');
  stream = eventsStream(bus).name;
  await provision(bus, {
    streams: [eventsStream(bus)],
    consumers: [
      consumerOf('flaky', 'flaky'),
      consumerOf('broken', 'broken'),
      consumerOf('slow', 'slow'),
      consumerOf('lanes', 'lanes'),
      consumerOf('dying', 'dying', { maxDeliver: 2, ackWaitMs: 1_000 }),
    ],
  });
  deadLetters = new DeadLetters(pool, bus);
  relay = startRelay({ store: t.store, connectionString: t.db.url, bus, pollIntervalMs: 50 });
  await pool.query('CREATE TABLE effects (consumer text, event_id uuid, n int)');
});
afterAll(async () => {
  await relay.stop();
  await deleteNamespaceStreams(bus);
  await bus.close();
  await t.close();
});

const effects = async (consumer: string): Promise<number> =>
  Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM effects WHERE consumer = $1', [consumer])).rows[0]!.n);
const pending = async (durable: string) => {
  const i = await bus.jsm.consumers.info(stream, durable);
  return { ackPending: i.num_ack_pending, pending: i.num_pending, redelivered: i.num_redelivered };
};

describe('consumers', () => {
  it('retries a handler that throws twice, with the backoff, and applies the event once', async () => {
    const seen: { count: number; at: number }[] = [];
    const handler: BusHandler = async (e) => {
      seen.push({ count: e.deliveryCount, at: Date.now() });
      if (e.deliveryCount <= 2) throw new Error(`not yet (${e.deliveryCount})`);
      await applyOnce(pool, 'flaky', e.id, (tx) => tx.query('INSERT INTO effects VALUES ($1, $2, 1)', ['flaky', e.id]));
    };
    const c = await startConsumer(bus, { stream, durable: 'flaky', handler, backoffMs: [100, 300], onError: () => undefined });
    try {
      await t.store.append('flaky-1', [{ type: 'Placed', data: { n: 1 } }]);
      await eventually(async () => ((await effects('flaky')) === 1 ? true : undefined), 10_000);
      await eventually(async () => ((await pending('flaky')).ackPending === 0 ? true : undefined));
      expect(seen.map((s) => s.count)).toEqual([1, 2, 3]);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(90);
      expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(290);
      expect(c.stats).toEqual({ acked: 1, naked: 2, parked: 0, dropped: 0 });
      expect(await deadLetters.list({ consumer: 'flaky' })).toEqual([]);
    } finally {
      await c.stop();
    }
  });

  it('parks a handler that always throws after maxDeliver, then replays it once the handler is fixed', async () => {
    let fixed = false;
    const calls = new Map<string, number>();
    const replayed: BusEvent[] = [];
    const handler: BusHandler = async (e) => {
      calls.set(e.id, (calls.get(e.id) ?? 0) + 1);
      if (!fixed) throw new Error(`cannot apply ${e.type}`);
      if (e.replay) replayed.push(e);
      await applyOnce(pool, 'broken', e.id, (tx) => tx.query('INSERT INTO effects VALUES ($1, $2, 1)', ['broken', e.id]));
    };
    // maxDeliver comes from the provisioned consumer (3)
    const c = await startConsumer(bus, { stream, durable: 'broken', handler, backoffMs: [50], deadLetters, onError: () => undefined });
    try {
      const { events } = await t.store.append('broken-1', [{ type: 'Failed', data: { n: 1 }, metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }, { type: 'Failed', data: { n: 2 } }]);
      const ids = events.map((e) => e.id);
      const parked = await eventually(async () => {
        const rows = await deadLetters.list({ consumer: 'broken' });
        return rows.length === 2 ? rows : undefined;
      }, 10_000);
      expect(parked.map((d) => d.eventId).sort()).toEqual([...ids].sort());
      for (const d of parked) {
        expect(d).toMatchObject({ consumer: 'broken', subject: bus.subject('evt.broken.Failed'), attempts: 3, replayedAt: null });
        expect(d.error).toContain('cannot apply Failed');
        expect(d.envelope).toMatchObject({ id: d.eventId, streamId: 'broken-1', type: 'Failed' });
      }
      await eventually(async () => ((await pending('broken')).ackPending === 0 ? true : undefined));
      expect((await pending('broken')).pending).toBe(0);
      await sleep(300); // terminated: the server delivers them no more
      expect([...calls.values()]).toEqual([3, 3]);
      expect(c.stats.parked).toBe(2);

      // still broken: the replay fails, the row stays open with the new error
      const failed = await deadLetters.replay(parked[0]!.id);
      expect(failed).toEqual([{ id: parked[0]!.id, ok: false, error: expect.stringContaining('cannot apply Failed') }]);
      expect((await deadLetters.list({ consumer: 'broken' }))[0]).toMatchObject({ attempts: 4, replayedAt: null });

      fixed = true;
      const results = await deadLetters.replay({ consumer: 'broken' });
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect(await deadLetters.list({ consumer: 'broken' })).toEqual([]);
      const all = await deadLetters.list({ consumer: 'broken', includeReplayed: true });
      expect(all.every((d) => d.replayedAt instanceof Date)).toBe(true);
      expect(await effects('broken')).toBe(2);
      expect(replayed.map((e) => e.id).sort()).toEqual([...ids].sort());
      const first = replayed.find((e) => e.id === ids[0])!;
      expect(first).toMatchObject({ streamId: 'broken-1', version: 1n, subject: bus.subject('evt.broken.Failed'), replay: true, data: { n: 1 } });
      expect(first.headers['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      expect(await deadLetters.replay({ consumer: 'broken' })).toEqual([]); // nothing left to replay
    } finally {
      await c.stop();
    }

    // with no replica of the consumer running, a replay changes nothing
    const id = await deadLetters.park({ consumer: 'broken', eventId: null, subject: 'x', envelope: { id: 'x' }, error: new Error('e'), attempts: 3 });
    const [r] = await deadLetters.replay(id);
    expect(r).toMatchObject({ id, ok: false, error: expect.stringContaining('no answer from consumer "broken"') });
    expect((await deadLetters.list({ consumer: 'broken' })).find((d) => d.id === id)).toMatchObject({ attempts: 3, replayedAt: null });
  });

  it('stop() lets the handlers under way finish and ack', async () => {
    const done: string[] = [];
    const c = await startConsumer(bus, {
      stream,
      durable: 'slow',
      concurrency: 4,
      handler: async (e) => {
        await sleep(400);
        done.push(e.id);
      },
    });
    const { events } = await t.store.append('slow-1', [{ type: 'Took', data: {} }]);
    await eventually(async () => ((await pending('slow')).ackPending === 1 ? true : undefined));
    await c.stop();
    expect(done).toEqual([events[0]!.id]);
    await eventually(async () => ((await pending('slow')).ackPending === 0 ? true : undefined), 2_000);
    expect(await pending('slow')).toMatchObject({ pending: 0, redelivered: 0 });
  });

  it('with concurrency, events of one stream still run one after another in order', async () => {
    const seen = new Map<string, bigint[]>();
    let running = 0;
    let maxRunning = 0;
    const c = await startConsumer(bus, {
      stream,
      durable: 'lanes',
      concurrency: 6,
      handler: async (e) => {
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(Math.random() * 10);
        seen.set(e.streamId, [...(seen.get(e.streamId) ?? []), e.version]);
        running--;
      },
    });
    try {
      for (let i = 0; i < 20; i++) await Promise.all([0, 1, 2, 3].map((s) => t.store.append(`lanes-${s}`, [{ type: 'Step', data: { i } }])));
      await eventually(() => ([...seen.values()].flat().length === 80 ? true : undefined), 10_000);
      for (const versions of seen.values()) expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
      expect(maxRunning).toBeGreaterThan(1);
    } finally {
      await c.stop();
    }
  });

  it('parks an event whose last attempt died with its process, on the server\'s extra delivery', async () => {
    // replica 1 fails attempt 1, then dies (its connection drops) in the middle of attempt 2, the last
    const own = await createTestBus(bus.namespace, 'dying-replica');
    let release: () => void = () => undefined;
    const attempts: number[] = [];
    await startConsumer(own, {
      stream,
      durable: 'dying',
      backoffMs: [20],
      deadLetters,
      onError: () => undefined,
      handler: async (e) => {
        attempts.push(e.deliveryCount);
        if (e.deliveryCount === 1) throw new Error('first attempt fails');
        await new Promise<void>((r) => (release = r));
      },
    });
    const { events } = await t.store.append('dying-1', [{ type: 'Doomed', data: {} }]);
    await eventually(() => (attempts.length === 2 ? true : undefined), 10_000);
    await own.nc.close();

    // replica 2 gets the server's extra delivery and parks it without running the handler
    const calls: BusEvent[] = [];
    const c2 = await startConsumer(bus, { stream, durable: 'dying', deadLetters, onError: () => undefined, handler: async (e) => void calls.push(e) });
    try {
      const [row] = await eventually(async () => {
        const rows = await deadLetters.list({ consumer: 'dying' });
        return rows.length > 0 ? rows : undefined;
      }, 10_000);
      expect(row).toMatchObject({ eventId: events[0]!.id, attempts: 3 });
      expect(row!.error).toContain('no outcome after 2 attempts');
      expect(calls).toEqual([]);
      expect(c2.stats).toMatchObject({ parked: 1, acked: 0 });
    } finally {
      release();
      await c2.stop();
    }
  });
});
