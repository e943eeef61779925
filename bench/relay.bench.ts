/**
 * Relay throughput: events per second from the event store into JetStream, for `startRelay`
 * against a plain JetStream publish loop that sends the same messages (the ceiling).
 *
 *   npm run bench -- relay                 full run (50,000 events, about a minute)
 *   npm run bench -- relay --quick         smoke run (10,000 events), under 30 s
 *   options: --events=N --fill=batched|interleaved|few --rounds=N
 *            --batch-size=N --max-in-flight=N (the relay's; the pipelined peer uses the same window)
 *            --sequential-events=N (messages the sequential peer sends; quick: 3,000, full: all)
 *            --proposed (also run the change proposed for relay.ts, see startProposed)
 *            --no-async-traces (nats.js `noAsyncTraces` on the publishing connection, for every
 *            system: connectBus has no such option yet, so the bench sets it on the connection's
 *            options object after connecting)
 *
 * Setup (not timed): a fresh database, migrated, pre-filled with N events by EventStore.append;
 * NATS connections with a unique namespace, so only streams named `*_<namespace>` are touched
 * (and all of them are deleted at the end, as the database is dropped, even on failure).
 * Fills, all over `order<k>-<n>` streams in 10 categories, ~200-byte JSON events:
 *   batched      N/10 streams of 10 events, each stream written by ONE append of 10 events
 *                (8 appends at once): in the global order a stream's events are adjacent (default)
 *   interleaved  N/10 streams of 10 events, one event per append, 100 appends (100 different
 *                streams) per transaction: neighbours in the global order are other streams
 *   few          10 streams, one event per append round-robin: a stream recurs every 10 events
 *
 * Systems, each run into a freshly created events stream (the same config: `eventsStream(bus)`):
 *   ours        startRelay({ store, bus, batchSize, maxInFlight }) (defaults 500 and 256) under a
 *               new subscription name (so from the start of the store); timed from the call until
 *               `jsm.streams.info(stream).state.messages` reaches N (polled every POLL_MS on a
 *               second connection).
 *   publish     a pipelined `js.publish` loop with the same in-flight window: the same subjects,
 *               envelope bytes, headers and Nats-Msg-Id, pre-built from the store before timing,
 *               so it does no PostgreSQL work. Timed the same way (until the stream holds N).
 *   encoding    the pipelined loop again, but building each message (encodeEnvelope, eventHeaders)
 *               from the RecordedEvents in memory, as the relay did before it built its headers
 *               in wire form: what encoding costs on the client's path.
 *   ourpub      the pipelined loop with pre-built messages, but through the relay's
 *               JetStreamPublisher (headers in wire form, eventWireHeaders): how much of the
 *               relay's gain is the publisher. Not the peer: vs_publish stays ours / publish.
 *   sequential  `await js.publish(...)` one after the other (a second reference).
 * Rounds are interleaved (ours, publish, ourpub, encoding, sequential, ours, ...); the best round
 * of each is reported. For each run: CPU per event of this process and of a local nats-server,
 * and the publishing connection's socket writes. For the relay: where its time went (readAll,
 * publishing, checkpoint), timed around the subscription's queries.
 * The last line of output is one JSON object for tools.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { MsgHdrs } from '@nats-io/nats-core';
import { JetStreamPublisher, connectBus, encodeEnvelope, eventHeaders, eventWireHeaders, eventsStream, eventSubject, provision, startRelay, type Bus } from '@outcomes/bus';
import { EventStore, START, checkpointOf, migrateEventStore, subscribe, type Checkpoint, type NewEvent, type RecordedEvent, type Subscription } from '@outcomes/event-store';
import { createTestDatabase, uniqueName, type TestDatabase } from '@outcomes/testing';
import type { Pool } from 'pg';
import { argv, eventData, opt, optStr, processCpuSeconds, quick } from './lib';

// ---------------------------------------------------------------------------------------------
// Configuration


const EVENTS = opt('events', quick ? 10_000 : 50_000);
const ROUNDS = opt('rounds', 2);
/** The relay's defaults (relay.ts): batchSize 500, maxInFlight 256. */
const BATCH_SIZE = opt('batch-size', 500);
const MAX_IN_FLIGHT = opt('max-in-flight', 256);
const SEQUENTIAL_EVENTS = Math.min(EVENTS, opt('sequential-events', quick ? 3_000 : EVENTS));
const PUBLISH_TIMEOUT_MS = 5_000; // the relay's default
const POLL_MS = 5;
const RUN_TIMEOUT_MS = 180_000;
const FILLS = ['batched', 'interleaved', 'few'] as const;
type Fill = (typeof FILLS)[number];
const FILL = (optStr('fill') ?? 'batched') as Fill;
if (!FILLS.includes(FILL)) throw new Error(`--fill must be one of ${FILLS.join(', ')}`);
/** Also run the change proposed for relay.ts (see startProposed); off by default. */
const PROPOSED = argv.includes('--proposed');
/**
 * nats.js builds two or three Error objects per request (stack traces for a possible timeout or
 * failure, and one for `cancel` after every reply); `noAsyncTraces` skips the first two.
 */
const NO_ASYNC_TRACES = argv.includes('--no-async-traces');
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const CATEGORIES = 10;

const log = (s = ''): void => {
  process.stderr.write(`${s}\n`);
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Fill (not timed)

const newEvent = (n: number, version: number): NewEvent => ({ type: version === 1 ? 'OrderPlaced' : 'OrderLineAdded', data: eventData(n) });
const streamName = (s: number) => `order${s % CATEGORIES}-${s}`;

/** Runs `workers` async loops over the items 0..count-1, each taking the next unclaimed one. */
async function forEach(count: number, workers: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/**
 * One event per append, `streams` streams visited round-robin, 100 appends per transaction.
 * `workers` writers own disjoint sets of streams (so no two transactions race on a stream).
 */
async function fillRoundRobin(store: EventStore, streams: number, perStream: number, workers: number): Promise<void> {
  const perTx = 100;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const mine = Array.from({ length: Math.ceil((streams - w) / workers) }, (_, k) => w + k * workers);
      const appends: Array<[number, number]> = []; // [stream, version], in append order
      for (let v = 1; v <= perStream; v++) for (const s of mine) appends.push([s, v]);
      const client = await store.pool.connect();
      try {
        for (let i = 0; i < appends.length; i += perTx) {
          await client.query('BEGIN');
          for (const [s, v] of appends.slice(i, i + perTx)) await store.appendInTransaction(client, streamName(s), [newEvent(s * 100 + v, v)], v - 1 === 0 ? 'no_stream' : v - 1);
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    }),
  );
}

async function fill(store: EventStore, kind: Fill, n: number): Promise<{ streams: number }> {
  switch (kind) {
    case 'batched': {
      const streams = Math.ceil(n / 10);
      await forEach(streams, 8, async (s) => {
        const count = Math.min(10, n - s * 10);
        await store.append(
          streamName(s),
          Array.from({ length: count }, (_, i) => newEvent(s * 100 + i, i + 1)),
          'no_stream',
        );
      });
      return { streams };
    }
    case 'interleaved': {
      const streams = Math.ceil(n / 10);
      if (n % 10) throw new Error('--events must be a multiple of 10 for this fill');
      await fillRoundRobin(store, streams, 10, 8);
      return { streams };
    }
    case 'few': {
      if (n % 10) throw new Error('--events must be a multiple of 10 for this fill');
      await fillRoundRobin(store, 10, n / 10, 1);
      return { streams: 10 };
    }
  }
}

async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: Checkpoint = START;
  for (;;) {
    const batch = await store.readAll(after, 10_000);
    if (batch.length === 0) return all;
    all.push(...batch);
    after = checkpointOf(batch[batch.length - 1]!);
  }
}

/** Share of events whose stream's previous event is in the same relay batch (the relay waits for its ack). */
function sameStreamNeighbours(events: readonly RecordedEvent[], batchSize: number): { share: number; perBatch: number } {
  let waits = 0;
  for (let b = 0; b < events.length; b += batchSize) {
    const seen = new Set<string>();
    for (const e of events.slice(b, b + batchSize)) {
      if (seen.has(e.streamId)) waits++;
      seen.add(e.streamId);
    }
  }
  return { share: waits / events.length, perBatch: waits / Math.ceil(events.length / batchSize) };
}

// ---------------------------------------------------------------------------------------------
// JetStream helpers

async function freshStream(bus: Bus): Promise<string> {
  const spec = eventsStream(bus);
  await bus.jsm.streams.delete(spec.name).catch(() => undefined);
  await provision(bus, { streams: [spec] });
  return spec.name;
}

async function deleteNamespaceStreams(bus: Bus): Promise<void> {
  if (!bus.namespace) throw new Error('refusing to delete streams without a namespace');
  const names: string[] = [];
  for await (const n of bus.jsm.streams.names()) if (n.endsWith(`_${bus.namespace}`)) names.push(n);
  await Promise.all(names.map((n) => bus.jsm.streams.delete(n)));
}

/** Polls the stream's message count until it reaches `n`; returns performance.now() when seen. */
async function untilStored(mon: Bus, stream: string, n: number, deadline: number): Promise<number> {
  for (;;) {
    const { messages } = (await mon.jsm.streams.info(stream)).state;
    if (messages >= n) {
      if (messages > n) throw new Error(`stream ${stream} holds ${messages} messages, expected ${n}`);
      return performance.now();
    }
    if (performance.now() > deadline) throw new Error(`stream ${stream} holds ${messages} of ${n} messages after ${RUN_TIMEOUT_MS / 1000}s`);
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// What a run costs: CPU of this process and of the local nats-server (from /proc, when it runs
// here), and the socket writes of the publishing connection (nats.js's transport, an internal:
// counted only when it is where nats.js 3 keeps it).

const natsServerPids = (): number[] => {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nats-server';
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
};
const NATS_PIDS = natsServerPids();
const procCpuUs = (pid: number): number => processCpuSeconds(pid) * 1e6;

interface Cost {
  /** CPU of this Node process per event, µs (the relay or the publish loop, plus the poller). */
  readonly nodeUs: number;
  /** CPU of the local nats-server per event, µs; null when it does not run on this machine. */
  readonly natsUs: number | null;
  /** Socket writes of the publishing connection per 1,000 events; null when not countable. */
  readonly writesPer1000: number | null;
}

function meter(bus: Bus): { done(events: number): Cost } {
  const transport = (bus.nc as unknown as { protocol?: { transport?: { send?: (d: Uint8Array) => void } } }).protocol?.transport;
  const send = transport?.send;
  let writes = 0;
  if (transport && typeof send === 'function') {
    transport.send = (d: Uint8Array) => {
      writes++;
      send.call(transport, d);
    };
  }
  const node = process.cpuUsage();
  const nats = NATS_PIDS.reduce((a, p) => a + procCpuUs(p), 0);
  return {
    done(events) {
      if (transport && send) transport.send = send;
      const n = process.cpuUsage(node);
      return {
        nodeUs: (n.user + n.system) / events,
        natsUs: NATS_PIDS.length ? (NATS_PIDS.reduce((a, p) => a + procCpuUs(p), 0) - nats) / events : null,
        writesPer1000: transport && send ? (writes * 1000) / events : null,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Systems

interface Run {
  readonly seconds: number;
  /** Until the last ack (ours: the last batch callback), without the polling's granularity. */
  readonly ackSeconds: number;
  readonly rate: number;
  readonly cost: Cost;
  readonly profile?: Profile;
}

interface Profile {
  batches: number;
  readMs: number;
  publishMs: number;
  checkpointMs: number;
  /** From the call to the first readAll: connection, leader lock, LISTEN, checkpoint load. */
  startMs: number;
}

/**
 * The store the relay gets: the same EventStore, its pool wrapped to time the subscription's
 * queries (readAll's SELECT and the checkpoint UPDATE). Nothing else changes.
 * Publishing is the time from the end of a readAll to the start of the checkpoint UPDATE.
 */
function instrumentedStore(store: EventStore, profile: Profile, t0: number): EventStore {
  const pool = store.pool;
  let readEnded = 0;
  let firstRead = true;
  const query = (text: string, values?: unknown[]) => {
    const started = performance.now();
    const kind = text.includes('FROM es.commits') ? 'read' : text.startsWith('UPDATE es.subscriptions') ? 'checkpoint' : 'other';
    if (kind === 'read' && firstRead) {
      profile.startMs = started - t0;
      firstRead = false;
    }
    if (kind === 'checkpoint' && readEnded) profile.publishMs += started - readEnded;
    return pool.query(text, values).finally(() => {
      const ms = performance.now() - started;
      if (kind === 'read') {
        profile.readMs += ms;
        readEnded = performance.now();
      } else if (kind === 'checkpoint') profile.checkpointMs += ms;
    });
  };
  return Object.create(store, { pool: { value: Object.assign(Object.create(pool) as Pool, { query }) } }) as EventStore;
}

interface RelayUnderTest {
  readonly published: () => number;
  stop(): Promise<void>;
}

interface RelayArgs {
  readonly store: EventStore;
  readonly connectionString: string;
  readonly bus: Bus;
  readonly name: string;
  readonly onBatch: () => void;
}

const startOurs = (a: RelayArgs): RelayUnderTest => {
  const relay = startRelay({
    ...a,
    batchSize: BATCH_SIZE,
    maxInFlight: MAX_IN_FLIGHT,
    onError: (err) => log(`relay error: ${String(err)}`),
  });
  return { published: () => relay.metrics.published, stop: () => relay.stop() };
};

/**
 * `--proposed` only: relay.ts's publishBatch with the change proposed in docs/benchmarks.md
 * ("Relay"), run through the same `subscribe` as startRelay, to measure it before anyone edits
 * libs/bus. It publishes with `js.publish` and `eventHeaders`, as relay.ts did before it moved to
 * JetStreamPublisher; kept to compare with the figures recorded then. Per-stream rule unchanged (an event is published only after its stream's previous
 * event was acked); what changes is how the loop waits for that:
 *  - no `await` per event: an `await` of a missing predecessor still yields, and nats.js flushes
 *    its outbound buffer in a queued microtask, so each publish went out in its own socket write;
 *  - an event whose stream has a publish awaiting its ack joins that stream's queue instead of
 *    stopping the loop; when the ack comes, the next queued event of the stream goes out in the
 *    window slot the ack freed. A failure stops everything, as today.
 *  - the window is a counter with one waiter, not Promise.race over a Set per event.
 */
const startProposed = (a: RelayArgs): RelayUnderTest => {
  const { bus } = a;
  let total = 0;
  const publishBatch = async (events: readonly RecordedEvent[]): Promise<void> => {
    let failure: { err: unknown } | undefined;
    let inflight = 0;
    let wake: (() => void) | undefined;
    const signal = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    // Streams with a publish awaiting its ack -> their next events, in order.
    const behind = new Map<string, RecordedEvent[]>();
    const send = (e: RecordedEvent): void => {
      let sent: Promise<unknown>;
      try {
        sent = bus.js.publish(bus.subject(eventSubject(e)), encodeEnvelope(e), { msgID: e.id, headers: eventHeaders(e), timeout: PUBLISH_TIMEOUT_MS });
      } catch (err) {
        sent = Promise.reject(err);
      }
      void sent
        .then(
          () => void total++,
          (err: unknown) => {
            failure ??= { err };
          },
        )
        .then(() => {
          const next = failure ? undefined : behind.get(e.streamId)?.shift();
          if (next) return send(next); // the stream's next event takes this window slot
          behind.delete(e.streamId);
          inflight--;
          signal();
        });
    };
    for (const e of events) {
      if (failure) break;
      const queue = behind.get(e.streamId);
      if (queue) {
        queue.push(e);
        continue;
      }
      while (inflight >= MAX_IN_FLIGHT && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) break;
      behind.set(e.streamId, []);
      inflight++;
      send(e);
    }
    while (inflight > 0) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure.err;
    a.onBatch();
  };
  const sub: Subscription = subscribe(
    a.store,
    a.connectionString,
    { name: a.name, batchSize: BATCH_SIZE, pollIntervalMs: 250, retryDelayMs: 500, onError: (err) => log(`proposed relay error: ${String(err)}`) },
    publishBatch,
  );
  return { published: () => total, stop: () => sub.stop() };
};

let relayRuns = 0;
async function runRelay(start: (a: RelayArgs) => RelayUnderTest, store: EventStore, db: TestDatabase, bus: Bus, mon: Bus): Promise<Run> {
  const stream = await freshStream(bus);
  const profile: Profile = { batches: 0, readMs: 0, publishMs: 0, checkpointMs: 0, startMs: 0 };
  let lastBatchAt = 0;
  const m = meter(bus);
  const t0 = performance.now();
  const relay = start({
    store: instrumentedStore(store, profile, t0),
    connectionString: db.url,
    bus,
    // A new subscription name per run: its checkpoint starts at the beginning of the store.
    name: `relay_bench_${++relayRuns}`,
    onBatch: () => {
      profile.batches++;
      lastBatchAt = performance.now();
    },
  });
  try {
    const t1 = await untilStored(mon, stream, EVENTS, t0 + RUN_TIMEOUT_MS);
    const cost = m.done(EVENTS);
    const seconds = (t1 - t0) / 1000;
    return { seconds, ackSeconds: ((lastBatchAt || t1) - t0) / 1000, rate: EVENTS / seconds, cost, profile };
  } finally {
    await relay.stop();
    if (relay.published() !== EVENTS) log(`relay published ${relay.published()} of ${EVENTS}`);
    await bus.jsm.streams.delete(stream).catch(() => undefined);
  }
}

interface Prepared {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
  readonly headers: MsgHdrs;
}

/** What the relay sends for each event: subject, envelope bytes, headers; Nats-Msg-Id = event id. */

const prepareOne = (bus: Bus, e: RecordedEvent): Prepared => ({ subject: bus.subject(eventSubject(e)), data: encodeEnvelope(e), msgID: e.id, headers: eventHeaders(e) });

/**
 * `window` publishes awaiting their ack at once (1: a strictly sequential `await js.publish`
 * loop). `toMsg` is the identity for pre-built messages, or builds each one as the relay does.
 */
async function runPublish<T>(items: readonly T[], toMsg: (x: T) => Prepared, bus: Bus, mon: Bus, window: number): Promise<Run> {
  const stream = await freshStream(bus);
  const m = meter(bus);
  const t0 = performance.now();
  try {
    let failure: { err: unknown } | undefined;
    if (window === 1) {
      for (const item of items) {
        const msg = toMsg(item);
        await bus.js.publish(msg.subject, msg.data, { msgID: msg.msgID, headers: msg.headers, timeout: PUBLISH_TIMEOUT_MS });
      }
    } else {
      let inflight = 0;
      let wake: (() => void) | undefined;
      const settled = (): void => {
        inflight--;
        const w = wake;
        wake = undefined;
        w?.();
      };
      for (const item of items) {
        while (inflight >= window && !failure) await new Promise<void>((r) => (wake = r));
        if (failure) break;
        const msg = toMsg(item);
        inflight++;
        bus.js
          .publish(msg.subject, msg.data, { msgID: msg.msgID, headers: msg.headers, timeout: PUBLISH_TIMEOUT_MS })
          .then(
            () => undefined,
            (err: unknown) => {
              failure ??= { err };
            },
          )
          .finally(settled);
      }
      while (inflight > 0) await new Promise<void>((r) => (wake = r));
    }
    if (failure) throw failure.err;
    const acked = performance.now();
    const t1 = await untilStored(mon, stream, items.length, t0 + RUN_TIMEOUT_MS);
    const cost = m.done(items.length);
    const seconds = (t1 - t0) / 1000;
    return { seconds, ackSeconds: (acked - t0) / 1000, rate: items.length / seconds, cost };
  } finally {
    await bus.jsm.streams.delete(stream).catch(() => undefined);
  }
}

/**
 * The pipelined loop through JetStreamPublisher: `window` publishes awaiting their ack, each ack
 * sends the next message. Messages pre-built with their headers in wire form, as the relay sends them.
 */
async function runOurPublisher(msgs: readonly Prepared[], bus: Bus, mon: Bus, window: number): Promise<Run> {
  const stream = await freshStream(bus);
  const publisher = new JetStreamPublisher(bus.nc, { timeoutMs: PUBLISH_TIMEOUT_MS });
  const m = meter(bus);
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let inflight = 0;
      let failed = false;
      const done = (err: unknown): void => {
        inflight--;
        if (err) {
          failed = true;
          reject(err);
        } else pump();
      };
      const pump = (): void => {
        while (!failed && inflight < window && next < msgs.length) {
          const msg = msgs[next++]!;
          inflight++;
          publisher.send(msg.subject, msg.data, msg.headers, done);
        }
        if (inflight === 0 && next === msgs.length) resolve();
      };
      pump();
    });
    const acked = performance.now();
    const t1 = await untilStored(mon, stream, msgs.length, t0 + RUN_TIMEOUT_MS);
    const cost = m.done(msgs.length);
    const seconds = (t1 - t0) / 1000;
    return { seconds, ackSeconds: (acked - t0) / 1000, rate: msgs.length / seconds, cost };
  } finally {
    publisher.close();
    await bus.jsm.streams.delete(stream).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Main

/** What the bench creates; `cleanUp` deletes the namespace's streams and drops the database. */
const held: { db?: TestDatabase; store?: EventStore; bus?: Bus; mon?: Bus } = {};
let cleaning: Promise<void> | undefined;
const cleanUp = (): Promise<void> =>
  (cleaning ??= (async () => {
    const { db, store, bus, mon } = held;
    if (bus) await deleteNamespaceStreams(bus).catch((err: unknown) => log(`could not delete the namespace's streams: ${String(err)}`));
    await bus?.close().catch(() => undefined);
    await mon?.close().catch(() => undefined);
    store?.close();
    await db?.drop().catch((err: unknown) => log(`could not drop database ${db.name}: ${String(err)}`));
  })());
// Interrupted (npm run bench forwards SIGINT/SIGTERM): clean up before leaving.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

type SystemName = 'ours' | 'proposed' | 'publish' | 'ourpub' | 'encoding' | 'sequential';
const JSON_KEY: Record<SystemName, string> = {
  ours: 'ours',
  proposed: 'proposed',
  publish: 'publish',
  ourpub: 'publisher_loop',
  encoding: 'publish_encoding',
  sequential: 'sequential_publish',
};

async function main(): Promise<void> {
  const tStart = performance.now();
  const loadBefore = loadavg()[0]!;
  const namespace = uniqueName('bench_relay');
  log(
    `relay bench: ${EVENTS.toLocaleString('en-US')} events, fill "${FILL}", batchSize ${BATCH_SIZE}, maxInFlight ${MAX_IN_FLIGHT}, ${ROUNDS} round(s), ${quick ? 'quick' : 'full'}${PROPOSED ? ', with the proposed relay' : ''}${NO_ASYNC_TRACES ? ', noAsyncTraces' : ''}; namespace ${namespace}`,
  );

  const systems: SystemName[] = PROPOSED ? ['ours', 'proposed', 'publish', 'ourpub', 'encoding', 'sequential'] : ['ours', 'publish', 'ourpub', 'encoding', 'sequential'];
  const runs: Record<SystemName, Run[]> = { ours: [], proposed: [], publish: [], ourpub: [], encoding: [], sequential: [] };
  let neighbours = { share: 0, perBatch: 0 };
  let streams = 0;
  let setupSeconds = 0;
  let natsVersion = 'unknown';
  try {
    const db = (held.db = await createTestDatabase('bench_relay'));
    await migrateEventStore(db.url);
    const store = (held.store = new EventStore(db.pool({ max: 10 })));
    // The relay and the publish loops share one connection; the poller has its own.
    const bus = (held.bus = await connectBus({ servers: NATS_URL, name: 'relay-bench', namespace }));
    const mon = (held.mon = await connectBus({ servers: NATS_URL, name: 'relay-bench-monitor', namespace }));
    if (NO_ASYNC_TRACES) {
      const options = (bus.nc as unknown as { protocol?: { options?: { noAsyncTraces?: boolean } } }).protocol?.options;
      if (!options) throw new Error('--no-async-traces: nats.js connection options not found');
      options.noAsyncTraces = true;
    }
    natsVersion = bus.nc.info?.version ?? natsVersion;

    ({ streams } = await fill(store, FILL, EVENTS));
    const events = await readEverything(store);
    if (events.length !== EVENTS) throw new Error(`filled ${events.length} events, expected ${EVENTS}`);
    neighbours = sameStreamNeighbours(events, BATCH_SIZE);
    const encode = (e: RecordedEvent) => prepareOne(bus, e);
    const msgs = events.map(encode);
    const wireMsgs = events.map((e): Prepared => ({ subject: bus.subject(eventSubject(e)), data: encodeEnvelope(e), msgID: e.id, headers: eventWireHeaders(e) }));
    const prebuilt = (m: Prepared) => m;
    await freshStream(bus); // provisioned up front, as the platform does; every run recreates it
    setupSeconds = (performance.now() - tStart) / 1000;
    log(
      `setup ${setupSeconds.toFixed(1)}s: ${streams.toLocaleString('en-US')} streams; ${(neighbours.share * 100).toFixed(1)}% of events follow an event of their own stream within a relay batch`,
    );

    const show = (name: string, r: Run) => {
      const p = r.profile;
      const prof = p ? `  [${p.batches} batches: start ${p.startMs.toFixed(0)}, readAll ${p.readMs.toFixed(0)}, publishing ${p.publishMs.toFixed(0)}, checkpoint ${p.checkpointMs.toFixed(0)} ms]` : '';
      const c = r.cost;
      const cost = `cpu/event node ${c.nodeUs.toFixed(0)} us${c.natsUs === null ? '' : `, nats ${c.natsUs.toFixed(0)} us`}${c.writesPer1000 === null ? '' : `, ${c.writesPer1000.toFixed(0)} writes/1000`}`;
      log(`  ${name.padEnd(10)} ${Math.round(r.rate).toString().padStart(7)} events/s  ${r.seconds.toFixed(2)} s (acks ${r.ackSeconds.toFixed(2)} s)  ${cost}${prof}`);
    };
    const runSystem = (s: SystemName): Promise<Run> => {
      switch (s) {
        case 'ours':
          return runRelay(startOurs, store, db, bus, mon);
        case 'proposed':
          return runRelay(startProposed, store, db, bus, mon);
        case 'publish':
          return runPublish(msgs, prebuilt, bus, mon, MAX_IN_FLIGHT);
        case 'ourpub':
          return runOurPublisher(wireMsgs, bus, mon, MAX_IN_FLIGHT);
        case 'encoding':
          return runPublish(events, encode, bus, mon, MAX_IN_FLIGHT);
        case 'sequential':
          return runPublish(msgs.slice(0, SEQUENTIAL_EVENTS), prebuilt, bus, mon, 1);
      }
    };
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}`);
      for (const s of systems) {
        const r = await runSystem(s);
        runs[s].push(r);
        show(s, r);
      }
    }
  } finally {
    await cleanUp();
  }
  const elapsed = (performance.now() - tStart) / 1000;

  const best = (rs: readonly Run[]) => rs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const ours = best(runs.ours);
  const publish = best(runs.publish);
  const sequential = best(runs.sequential);
  const encoding = best(runs.encoding);
  const publisherLoop = best(runs.ourpub);
  const proposed = PROPOSED ? best(runs.proposed) : undefined;
  const ratios = { vs_publish: round2(ours.rate / publish.rate), vs_sequential_publish: round2(ours.rate / sequential.rate) };
  const costJson = (c: Cost) => ({
    node_us: Math.round(c.nodeUs),
    nats_us: c.natsUs === null ? null : Math.round(c.natsUs),
    writes_per_1000: c.writesPer1000 === null ? null : Math.round(c.writesPer1000),
  });
  const profileJson = (p: Profile) => ({
    batches: p.batches,
    start: Math.round(p.startMs),
    readAll: Math.round(p.readMs),
    publishing: Math.round(p.publishMs),
    checkpoint: Math.round(p.checkpointMs),
  });
  const results = {
    ours: Math.round(ours.rate),
    publish: Math.round(publish.rate),
    sequential_publish: Math.round(sequential.rate),
    publish_encoding: Math.round(encoding.rate),
    vs_publish_encoding: round2(ours.rate / encoding.rate),
    publisher_loop: Math.round(publisherLoop.rate),
    publisher_loop_vs_publish: round2(publisherLoop.rate / publish.rate),
    ...(proposed ? { proposed: Math.round(proposed.rate), proposed_vs_publish: round2(proposed.rate / publish.rate), proposed_vs_publish_encoding: round2(proposed.rate / encoding.rate) } : {}),
    rounds: Object.fromEntries(systems.map((s) => [JSON_KEY[s], runs[s].map((r) => Math.round(r.rate))])),
    ours_profile_ms: { ...profileJson(ours.profile!), total: Math.round(ours.seconds * 1000) },
    ...(proposed ? { proposed_profile_ms: { ...profileJson(proposed.profile!), total: Math.round(proposed.seconds * 1000) } } : {}),
    cost_per_event: Object.fromEntries(systems.map((s) => [JSON_KEY[s], costJson(best(runs[s]).cost)])),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      ramGiB: Math.round(totalmem() / 2 ** 30),
      nats: natsVersion,
      node: process.version,
      loadavg1: [round2(loadBefore), round2(loadavg()[0]!)],
    },
    config: {
      quick,
      events: EVENTS,
      fill: FILL,
      streams,
      sameStreamInBatchShare: round2(neighbours.share),
      batchSize: BATCH_SIZE,
      maxInFlight: MAX_IN_FLIGHT,
      noAsyncTraces: NO_ASYNC_TRACES,
      sequentialEvents: SEQUENTIAL_EVENTS,
      rounds: ROUNDS,
      setupSeconds: Math.round(setupSeconds * 10) / 10,
      elapsedSeconds: Math.round(elapsed),
    },
  };

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const each = (rs: readonly Run[]) => (rs.length > 1 ? ` (${rs.map((r) => fmt(r.rate)).join(', ')})` : '');
  const cpu = (r: Run) => `${r.cost.nodeUs.toFixed(0)}${r.cost.natsUs === null ? '' : ` + ${r.cost.natsUs.toFixed(0)}`}`;
  const writes = (r: Run) => (r.cost.writesPer1000 === null ? 'n/a' : fmt(r.cost.writesPer1000));
  const row = (label: string, rs: readonly Run[]) => {
    const b = best(rs);
    return `| ${label} | ${fmt(b.rate)}${each(rs)} | ${b.seconds.toFixed(2)} | ${cpu(b)} | ${writes(b)} | ${round2(ours.rate / b.rate).toFixed(2)} |`;
  };
  const lines: string[] = [''];
  lines.push(`events/s, best of ${ROUNDS} interleaved round(s) (each round in brackets); ${fmt(EVENTS)} events, fill "${FILL}" (${fmt(streams)} streams), in-flight window ${MAX_IN_FLIGHT}`);
  lines.push('');
  lines.push('| system | events/s | seconds | CPU µs/event (node + nats-server) | socket writes / 1000 events | ours / system |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  lines.push(row(`ours: startRelay (batchSize ${BATCH_SIZE}, maxInFlight ${MAX_IN_FLIGHT})`, runs.ours));
  if (proposed) lines.push(row('proposed relay.ts change (--proposed)', runs.proposed));
  lines.push(row(`js.publish, ${MAX_IN_FLIGHT} in flight, pre-built messages (the peer)`, runs.publish));
  lines.push(row(`JetStreamPublisher, ${MAX_IN_FLIGHT} in flight, pre-built messages (headers in wire form)`, runs.ourpub));
  lines.push(row(`js.publish, ${MAX_IN_FLIGHT} in flight, each message encoded in the loop (encodeEnvelope, eventHeaders; no PostgreSQL)`, runs.encoding));
  lines.push(row(`await js.publish, sequential${SEQUENTIAL_EVENTS < EVENTS ? ` (first ${fmt(SEQUENTIAL_EVENTS)} messages)` : ''}`, runs.sequential));
  lines.push('');
  const breakdown = (label: string, r: Run) => {
    const p = r.profile!;
    return `${label}, best round: ${p.batches} batches in ${(r.seconds * 1000).toFixed(0)} ms: start ${p.startMs.toFixed(0)} ms, readAll ${p.readMs.toFixed(0)} ms, publishing ${p.publishMs.toFixed(0)} ms, checkpoint ${p.checkpointMs.toFixed(0)} ms`;
  };
  lines.push(breakdown('ours', ours));
  if (proposed) lines.push(breakdown('proposed', proposed));
  lines.push(`${(neighbours.share * 100).toFixed(1)}% of events follow an event of their own stream in the same relay batch (the relay waits for that ack first)`);
  lines.push(`vs_publish: ${ratios.vs_publish.toFixed(2)} (target >= 0.8) ${ratios.vs_publish >= 0.8 ? 'MET' : 'MISSED'}`);
  if (proposed) lines.push(`proposed vs_publish: ${results.proposed_vs_publish!.toFixed(2)}`);
  lines.push(`the peer encoding each message itself reaches ${round2(encoding.rate / publish.rate).toFixed(2)} of the pre-built peer`);
  lines.push(`the same pre-built loop through JetStreamPublisher reaches ${results.publisher_loop_vs_publish.toFixed(2)} of the pre-built peer`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'relay', results, ratios })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
