import { subscriptionLag } from '@outcomes/event-store';
import { createTestEventStore, eventually, uniqueName, type TestEventStore } from '@outcomes/testing';
import type { Bus } from './connection';
import { BusHeaders, decodeEnvelope, type EventEnvelope } from './envelope';
import { appendMany, createTestBus, deleteNamespaceStreams, expectExactlyOnceInOrder, readWholeStream, streamMessageCount } from './fixtures/bus.fixture';
import { JetStreamPublisher, type AckedPublisher } from './jetstream-publisher';
import { eventsStream, provision } from './provision';
import { startRelay } from './relay';

let t: TestEventStore;
let bus: Bus;
let stream: string;
beforeAll(async () => {
  t = await createTestEventStore();
  bus = await createTestBus(uniqueName('t'), 'relay-test');
  stream = eventsStream(bus).name;
  await provision(bus, { streams: [eventsStream(bus)] });
});
afterAll(async () => {
  await deleteNamespaceStreams(bus);
  await bus.close();
  await t.close();
});

describe('relay', () => {
  it('publishes every event once, on evt.<category>.<EventType>, keyed by event id, in per-stream order', async () => {
    const orders = appendMany(t.store, 'order', 240, 8);
    const invoices = appendMany(t.store, 'invoice', 160, 5);
    const relay = startRelay({ store: t.store, connectionString: t.db.url, bus, batchSize: 40, maxInFlight: 16, headersFor: () => ({ 'Outcomes-Relay': 'test' }) });
    try {
      const appended = [...(await orders), ...(await invoices)];
      await eventually(async () => ((await streamMessageCount(bus, stream)) === appended.length ? true : undefined), 20_000, 'every event in JetStream');
      await eventually(async () => ((await subscriptionLag(t.store, 'relay')).behind === 0 ? true : undefined));
      expect(relay.metrics).toMatchObject({ published: 400, duplicates: 0, failedBatches: 0 });

      const byId = expectExactlyOnceInOrder(await readWholeStream(bus, stream), appended);
      for (const a of appended) {
        const m = byId.get(a.id)!;
        const [recorded] = await t.store.readStream(a.streamId, { fromVersion: a.version, limit: 1 });
        expect(m.subject).toBe(`${bus.namespace}.evt.${recorded!.category}.${recorded!.type}`);
        expect(m.headers?.get(BusHeaders.Stream)).toBe(a.streamId);
        expect(m.headers?.get(BusHeaders.Version)).toBe(a.version.toString());
        expect(m.headers?.get(BusHeaders.Position)).toBe(recorded!.position.toString());
        expect(m.headers?.get(BusHeaders.Type)).toBe(recorded!.type);
        expect(m.headers?.get('Outcomes-Relay')).toBe('test');
        expect(m.headers?.get(BusHeaders.Traceparent) || undefined).toBe(a.traceparent);
        expect(m.headers?.get(BusHeaders.Tracestate) || undefined).toBe(a.traceparent ? 'k=v' : undefined);
        const envelope: EventEnvelope = decodeEnvelope(m.data);
        expect(envelope).toEqual({
          id: a.id,
          streamId: a.streamId,
          category: recorded!.category,
          version: recorded!.version.toString(),
          position: recorded!.position.toString(),
          transactionId: recorded!.transactionId.toString(),
          type: recorded!.type,
          data: recorded!.data,
          metadata: recorded!.metadata,
          recordedAt: recorded!.recordedAt.toISOString(),
        });
      }
    } finally {
      await relay.stop();
    }
  });

  it('follows live appends after catching up', async () => {
    const relay = startRelay({ store: t.store, connectionString: t.db.url, bus, pollIntervalMs: 5_000 });
    try {
      const before = await streamMessageCount(bus, stream);
      // Active means it holds the lock and LISTENs: an append before that would wait for the poll (seen in CI under load).
      await eventually(async () => (relay.isActive ? true : undefined));
      await eventually(async () => ((await subscriptionLag(t.store, 'relay')).behind === 0 ? true : undefined));
      await t.store.append('order-live', [{ type: 'Placed', data: {} }]);
      // woken by the store's LISTEN/NOTIFY, well before the 5 s poll
      await eventually(async () => ((await streamMessageCount(bus, stream)) === before + 1 ? true : undefined), 2_000);
    } finally {
      await relay.stop();
    }
  });

  it('re-publishing from an older checkpoint stores nothing twice (Nats-Msg-Id)', async () => {
    const before = await streamMessageCount(bus, stream);
    // A relay under another name starts from the beginning of the store, as after a lost checkpoint.
    const again = startRelay({ store: t.store, connectionString: t.db.url, bus, name: 'relay-from-start', batchSize: 100 });
    try {
      await eventually(() => (again.metrics.duplicates >= before ? true : undefined), 20_000, 'every event re-published');
      // the counter moves per ack, the checkpoint when the batch ends: wait for the checkpoint
      await eventually(async () => ((await subscriptionLag(t.store, 'relay-from-start')).behind === 0 ? true : undefined));
      expect(again.metrics).toMatchObject({ published: 0, duplicates: before });
      expect(await streamMessageCount(bus, stream)).toBe(before);
    } finally {
      await again.stop();
    }
  });

  it('keeps at most maxInFlight publishes awaiting acks, and sends an event only after its stream`s previous one was acked', async () => {
    const real = new JetStreamPublisher(bus.nc);
    const acked = new Set<string>();
    const early: string[] = [];
    let inFlight = 0;
    let most = 0;
    const watching: AckedPublisher = {
      async publish(subject, data, headers) {
        const key = (v: bigint) => `${headers!.get(BusHeaders.Stream)}@${v}`;
        const version = BigInt(headers!.get(BusHeaders.Version));
        if (version > 1n && !acked.has(key(version - 1n))) early.push(key(version));
        most = Math.max(most, ++inFlight);
        try {
          const ack = await real.publish(subject, data, headers);
          acked.add(key(version));
          return ack;
        } finally {
          inFlight--;
        }
      },
    };
    const appended = await appendMany(t.store, 'window', 300, 20);
    // From the start of the store: what earlier tests published comes back as duplicates.
    const relay = startRelay({ store: t.store, connectionString: t.db.url, bus, name: 'relay-window', publisher: watching, batchSize: 100, maxInFlight: 8 });
    try {
      // No other relay runs: the new events reach JetStream through this one only.
      await eventually(() => (relay.metrics.published === appended.length ? true : undefined), 20_000, 'the new events published');
      await eventually(async () => ((await subscriptionLag(t.store, 'relay-window')).behind === 0 ? true : undefined), 20_000, 'the relay to catch up');
    } finally {
      await relay.stop();
      real.close();
    }
    expect(early).toEqual([]);
    expect(most).toBe(8);
    expect(relay.metrics.published).toBe(appended.length);
    expect(relay.metrics.failedBatches).toBe(0);
  });
});
