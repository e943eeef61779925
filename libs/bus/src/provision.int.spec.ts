import { nanos } from '@nats-io/nats-core';
import { uniqueName } from '@outcomes/testing';
import type { Bus } from './connection';
import { createTestBus, deleteNamespaceStreams } from './fixtures/bus.fixture';
import { eventsStream, provision, type ProvisionSpec } from './provision';

let a: Bus;
let b: Bus;
beforeAll(async () => {
  const namespace = uniqueName('t');
  a = await createTestBus(namespace, 'provision-a');
  b = await createTestBus(namespace, 'provision-b');
});
afterAll(async () => {
  await deleteNamespaceStreams(a);
  await Promise.all([a.close(), b.close()]);
});

const specFor = (bus: Bus, base = 'EVENTS'): ProvisionSpec => {
  const stream = eventsStream(bus, base === 'EVENTS' ? {} : { name: bus.streamName(base), subjects: [bus.subject(`${base.toLowerCase()}.>`)] });
  return {
    streams: [stream],
    consumers: [
      { stream: stream.name, durable: 'catalog-projector', filterSubject: bus.subject(base === 'EVENTS' ? 'evt.catalog.>' : `${base.toLowerCase()}.catalog.>`), maxDeliver: 4, backoffMs: [1_000, 5_000] },
      { stream: stream.name, durable: 'auction-projector', filterSubject: bus.subject(base === 'EVENTS' ? 'evt.auction.>' : `${base.toLowerCase()}.auction.>`), ackWaitMs: 10_000 },
    ],
  };
};

describe('provision', () => {
  it('creates the standard event stream and durable pull consumers as specified', async () => {
    const { streams, consumers } = await provision(a, specFor(a));
    expect(streams[0]!.config).toMatchObject({
      name: a.streamName('EVENTS'),
      subjects: [a.subject('evt.>')],
      storage: 'file',
      retention: 'limits',
      duplicate_window: nanos(120_000),
      max_age: nanos(30 * 24 * 3600_000),
    });
    expect(a.streamName('EVENTS')).toMatch(/^EVENTS_t_/);
    expect(a.subject('evt.catalog.X')).toBe(`${a.namespace}.evt.catalog.X`);
    expect(consumers[0]!.config).toMatchObject({
      durable_name: 'catalog-projector',
      filter_subject: a.subject('evt.catalog.>'),
      ack_policy: 'explicit',
      deliver_policy: 'all',
      max_deliver: 5, // one more than the handler's attempts, see provision
      backoff: [nanos(1_000), nanos(5_000)],
    });
    expect(consumers[1]!.config).toMatchObject({ durable_name: 'auction-projector', ack_wait: nanos(10_000), max_deliver: 6 });
  });

  it('is idempotent: a second run changes nothing', async () => {
    const first = await provision(a, specFor(a));
    const second = await provision(a, specFor(a));
    expect(second.streams[0]!.config).toEqual(first.streams[0]!.config);
    expect(second.consumers.map((c) => c.config)).toEqual(first.consumers.map((c) => c.config));
    expect(second.streams[0]!.created).toEqual(first.streams[0]!.created);
  });

  it('is safe from two connections at once, for new and existing streams', async () => {
    for (let round = 0; round < 20; round++) {
      const base = `RACE${round}`;
      // new stream: both create at the same moment; then both again on what exists
      const [x, y] = await Promise.all([provision(a, specFor(a, base)), provision(b, specFor(b, base))]);
      expect(x.streams[0]!.config).toEqual(y.streams[0]!.config);
      await Promise.all([provision(a, specFor(a, base)), provision(b, specFor(b, base))]);
    }
    const names: string[] = [];
    for await (const n of a.jsm.streams.names()) if (n.endsWith(`_${a.namespace}`)) names.push(n);
    expect(names.sort()).toEqual([a.streamName('EVENTS'), ...Array.from({ length: 20 }, (_, r) => a.streamName(`RACE${r}`))].sort());
    const consumers: string[] = [];
    for await (const c of a.jsm.consumers.list(a.streamName('RACE0'))) consumers.push(c.name);
    expect(consumers.sort()).toEqual(['auction-projector', 'catalog-projector']);
  });

  it('updates a stream or consumer whose spec changed', async () => {
    const spec = specFor(a);
    const changed: ProvisionSpec = {
      streams: [{ ...spec.streams![0]!, maxAgeMs: 7 * 24 * 3600_000 }],
      consumers: [{ ...spec.consumers![0]!, maxDeliver: 7 }],
    };
    const { streams, consumers } = await provision(a, changed);
    expect(streams[0]!.config.max_age).toBe(nanos(7 * 24 * 3600_000));
    expect(consumers[0]!.config.max_deliver).toBe(8);
    expect((await a.jsm.consumers.info(a.streamName('EVENTS'), 'catalog-projector')).config.max_deliver).toBe(8);
  });
});
