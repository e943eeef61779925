import { subscriptionLag } from '@outcomes/event-store';
import { createTestEventStore, eventually, sleep, uniqueName, type TestEventStore } from '@outcomes/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Bus } from './connection';
import { appendMany, createTestBus, deleteNamespaceStreams, expectExactlyOnceInOrder, readWholeStream, streamMessageCount, testNatsUrl, type Appended } from './fixtures/bus.fixture';
import { JetStreamPublisher, type AckedPublisher } from './jetstream-publisher';
import { eventsStream, provision } from './provision';
import { startRelay, type Relay } from './relay';

// Each test gets its own database and namespace: a relay tails the whole store, and the checks
// below are about one run's events only.
interface World {
  readonly t: TestEventStore;
  readonly bus: Bus;
  readonly stream: string;
}
const worlds: World[] = [];
const newWorld = async (): Promise<World> => {
  const t = await createTestEventStore();
  const bus = await createTestBus(uniqueName('t'), 'relay-crash-test');
  await provision(bus, { streams: [eventsStream(bus)] });
  const w = { t, bus, stream: eventsStream(bus).name };
  worlds.push(w);
  return w;
};
afterAll(async () => {
  for (const w of worlds) {
    await deleteNamespaceStreams(w.bus);
    await w.bus.close();
    await w.t.close();
  }
});

const growth = async (w: World, before: number): Promise<void> => {
  await eventually(async () => ((await streamMessageCount(w.bus, w.stream)) > before ? true : undefined), 20_000, 'the relay to publish');
};

/** A last, undisturbed relay catches up; then the stream must hold every event once, in order. */
const finishAndCheck = async (w: World, appended: readonly Appended[]): Promise<Relay> => {
  const relay = startRelay({ store: w.t.store, connectionString: w.t.db.url, bus: w.bus, pollIntervalMs: 50 });
  try {
    await eventually(async () => ((await subscriptionLag(w.t.store, 'relay')).behind === 0 ? true : undefined), 30_000, 'the relay to catch up');
    await eventually(async () => ((await streamMessageCount(w.bus, w.stream)) >= appended.length ? true : undefined), 10_000);
    expectExactlyOnceInOrder(await readWholeStream(w.bus, w.stream), appended);
    return relay;
  } finally {
    await relay.stop();
  }
};

/** The real publisher, except that some publishes are refused unsent or lose their ack (the message is stored). */
const withFaults = (real: AckedPublisher, fault: () => 'refuse' | 'lose-ack' | undefined): AckedPublisher => ({
  publish(subject, data, headers) {
    const f = fault();
    if (f === 'refuse') return Promise.reject(new Error('injected: publish refused'));
    const sent = real.publish(subject, data, headers);
    return f === 'lose-ack' ? sent.then(() => Promise.reject(new Error('injected: ack lost'))) : sent;
  },
});

describe('relay crashes', () => {
  it('connection closed abruptly mid-batch, five times: every event once, per-stream order', async () => {
    const w = await newWorld();
    const writing = appendMany(w.t.store, 'crash', 1500, 12);
    for (let k = 0; k < 5; k++) {
      const own = await createTestBus(w.bus.namespace, `relay-${k}`);
      const relay = startRelay({ store: w.t.store, connectionString: w.t.db.url, bus: own, batchSize: 100, maxInFlight: 64, retryDelayMs: 20, onError: () => undefined });
      await growth(w, await streamMessageCount(w.bus, w.stream));
      await sleep(Math.random() * 30);
      await own.nc.close(); // no drain: publishes in flight fail or land, the checkpoint stays behind
      await relay.stop();
    }
    await finishAndCheck(w, await writing);
  }, 120_000);

  it('publishes refused or unacknowledged in the middle of a window: every event once, per-stream order', async () => {
    const w = await newWorld();
    const writing = appendMany(w.t.store, 'faulty', 1200, 12);
    const faults = { refuse: 0, 'lose-ack': 0 };
    const real = new JetStreamPublisher(w.bus.nc);
    const faulty = withFaults(real, () => {
      const r = Math.random();
      const f = r < 0.01 ? 'refuse' : r < 0.02 ? 'lose-ack' : undefined;
      if (f) faults[f]++;
      return f;
    });
    const relay = startRelay({ store: w.t.store, connectionString: w.t.db.url, bus: w.bus, publisher: faulty, batchSize: 30, maxInFlight: 16, retryDelayMs: 10, onError: () => undefined });
    const appended = await writing;
    try {
      await eventually(async () => ((await subscriptionLag(w.t.store, 'relay')).behind === 0 ? true : undefined), 60_000, 'the faulty relay to catch up');
    } finally {
      await relay.stop();
      real.close();
    }
    expect(faults.refuse + faults['lose-ack']).toBeGreaterThan(0);
    expect(relay.metrics.failedBatches).toBeGreaterThan(0);
    if (faults['lose-ack'] > 0) expect(relay.metrics.duplicates).toBeGreaterThan(0);
    expect(await streamMessageCount(w.bus, w.stream)).toBe(appended.length);
    expectExactlyOnceInOrder(await readWholeStream(w.bus, w.stream), appended);
  }, 120_000);

  it('relay process SIGKILLed mid-stream and restarted, four times: every event once, per-stream order', async () => {
    const w = await newWorld();
    const child = join(__dirname, 'fixtures', 'relay.child.ts');
    const start = (): ChildProcess =>
      spawn(process.execPath, ['-r', '@swc-node/register', child], {
        env: { ...process.env, DATABASE_URL: w.t.db.url, NATS_URL: testNatsUrl(), NAMESPACE: w.bus.namespace },
        stdio: 'ignore',
      });
    const writing = appendMany(w.t.store, 'killed', 1500, 12);
    for (let k = 0; k < 4; k++) {
      const before = await streamMessageCount(w.bus, w.stream);
      const p = start();
      const exited = new Promise((r) => p.once('exit', r));
      try {
        await growth(w, before); // kill it while it is working, at a random moment
        await sleep(Math.random() * 60);
      } finally {
        p.kill('SIGKILL');
        await exited;
      }
    }
    await finishAndCheck(w, await writing);
  }, 120_000);
});
