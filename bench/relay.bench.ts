/**
 * Relay throughput: events per second from the event store into JetStream, for `startRelay`
 * against a plain JetStream publish loop that sends the same messages (the ceiling).
 *
 *   npm run bench -- relay                 full run (50,000 events, ~1-2 min)
 *   npm run bench -- relay --quick         smoke run (10,000 events), under 30 s
 *   options: --events=N --fill=batched|interleaved|few --rounds=N
 *            --batch-size=N --max-in-flight=N (the relay's; the pipelined peer uses the same window)
 *            --sequential-events=N (cap on the messages the strictly sequential peer sends)
 *
 * Setup (not timed): a fresh database, migrated, pre-filled with N events by EventStore.append;
 * a NATS connection with a unique namespace (so only streams `EVENTS_<namespace>` are touched).
 * Fills, all over `order<k>-<n>` streams in 10 categories, ~200-byte JSON events:
 *   batched      N/10 streams of 10 events, each stream written by ONE append of 10 events:
 *                in the global order a stream's events are adjacent (default)
 *   interleaved  N/10 streams of 10 events, one event per append, 100 appends (100 different
 *                streams) per transaction: neighbours in the global order are other streams
 *   few          10 streams, one event per append round-robin: a stream recurs every 10 events
 *
 * Systems, each run into a freshly created events stream (same config: `eventsStream(bus)`):
 *   ours        startRelay({ store, bus, batchSize, maxInFlight }) with a new subscription name
 *               (so from the start of the store); timed from the call until
 *               `jsm.streams.info(stream).state.messages` reaches N (polled every POLL_MS).
 *   publish     a pipelined `js.publish` loop with the same in-flight window: the same subjects,
 *               envelope bytes, headers and Nats-Msg-Id, pre-built from the store before timing,
 *               so it does no PostgreSQL work. Timed the same way (until the stream holds N).
 *   sequential  `await js.publish(...)` one after the other (a second reference).
 * Rounds are interleaved (ours, publish, sequential, ours, publish, sequential); the best round
 * of each is reported. Ours also reports where its time went (readAll, publishing, checkpoint),
 * measured around the store's queries and the relay's batch callback.
 * The last line of output is one JSON object for tools.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { MsgHdrs } from '@nats-io/nats-core';
import { connectBus, encodeEnvelope, eventHeaders, eventsStream, eventSubject, provision, startRelay, type Bus } from '@outcomes/bus';
import { EventStore, START, checkpointOf, migrateEventStore, type Checkpoint, type NewEvent, type RecordedEvent } from '@outcomes/event-store';
import { createTestDatabase, uniqueName, type TestDatabase } from '@outcomes/testing';
import type { Pool } from 'pg';

// ---------------------------------------------------------------------------------------------
// Configuration

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const optStr = (name: string): string | undefined => argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
const opt = (name: string, fallback: number): number => {
  const v = optStr(name);
  return v === undefined ? fallback : Number(v);
};

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
const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const CATEGORIES = 10;

const log = (s = ''): void => {
  process.stderr.write(`${s}\n`);
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Fill (not timed)

const eventData = (n: number) => ({
  orderId: `ord_${n}`,
  customerId: 'cus_7QmJ2kX9',
  currency: 'EUR',
  total: 28345,
  lines: [
    { sku: 'SKU-10492', quantity: 2, unitPrice: 9999 },
    { sku: 'SKU-20311', quantity: 1, unitPrice: 8347 },
  ],
  placedAt: '2025-11-22T10:00:00.000Z',
});
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
// Systems

interface Run {
  readonly seconds: number;
  /** Until the last ack (ours: the last batch callback), without the polling's granularity. */
  readonly ackSeconds: number;
  readonly rate: number;
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
 */
function instrumentedStore(store: EventStore, profile: Profile, t0: number): { store: EventStore; marks: { publishStart: number } } {
  const pool = store.pool;
  const marks = { publishStart: 0 };
  let firstRead = true;
  const query = (text: string, values?: unknown[]) => {
    const started = performance.now();
    const kind = text.includes('FROM es.events') ? 'read' : text.startsWith('UPDATE es.subscriptions') ? 'checkpoint' : 'other';
    if (kind === 'read' && firstRead) {
      profile.startMs = started - t0;
      firstRead = false;
    }
    if (kind === 'checkpoint' && marks.publishStart) profile.publishMs += started - marks.publishStart;
    return pool.query(text, values).finally(() => {
      const ms = performance.now() - started;
      if (kind === 'read') {
        profile.readMs += ms;
        marks.publishStart = performance.now();
      } else if (kind === 'checkpoint') profile.checkpointMs += ms;
    });
  };
  const wrapped = Object.create(store, { pool: { value: Object.assign(Object.create(pool) as Pool, { query }) } }) as EventStore;
  return { store: wrapped, marks };
}

let relayRuns = 0;
async function runOurs(store: EventStore, db: TestDatabase, bus: Bus, mon: Bus): Promise<Run> {
  const stream = await freshStream(bus);
  const profile: Profile = { batches: 0, readMs: 0, publishMs: 0, checkpointMs: 0, startMs: 0 };
  let lastBatchAt = 0;
  const t0 = performance.now();
  const instrumented = instrumentedStore(store, profile, t0);
  const relay = startRelay({
    store: instrumented.store,
    connectionString: db.url,
    bus,
    name: `relay_bench_${++relayRuns}`,
    batchSize: BATCH_SIZE,
    maxInFlight: MAX_IN_FLIGHT,
    onBatch: () => {
      profile.batches++;
      lastBatchAt = performance.now();
    },
    onError: (err) => log(`relay error: ${String(err)}`),
  });
  try {
    const t1 = await untilStored(mon, stream, EVENTS, t0 + RUN_TIMEOUT_MS);
    const seconds = (t1 - t0) / 1000;
    return { seconds, ackSeconds: ((lastBatchAt || t1) - t0) / 1000, rate: EVENTS / seconds, profile };
  } finally {
    await relay.stop();
    if (relay.metrics.published !== EVENTS || relay.metrics.failedBatches) log(`relay metrics: ${JSON.stringify(relay.metrics)}`);
    await bus.jsm.streams.delete(stream).catch(() => undefined);
  }
}

interface Prepared {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgID: string;
  readonly headers: MsgHdrs;
}

const prepare = (bus: Bus, events: readonly RecordedEvent[]): Prepared[] =>
  events.map((e) => ({ subject: bus.subject(eventSubject(e)), data: encodeEnvelope(e), msgID: e.id, headers: eventHeaders(e) }));

async function runPublish(msgs: readonly Prepared[], bus: Bus, mon: Bus, window: number): Promise<Run> {
  const stream = await freshStream(bus);
  const t0 = performance.now();
  try {
    const inflight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    for (const m of msgs) {
      while (inflight.size >= window && !failure) await Promise.race(inflight);
      if (failure) break;
      const sent: Promise<void> = bus.js
        .publish(m.subject, m.data, { msgID: m.msgID, headers: m.headers, timeout: PUBLISH_TIMEOUT_MS })
        .then(
          () => undefined,
          (err: unknown) => {
            failure ??= { err };
          },
        )
        .finally(() => inflight.delete(sent));
      inflight.add(sent);
    }
    await Promise.all(inflight);
    if (failure) throw failure.err;
    const acked = performance.now();
    const t1 = await untilStored(mon, stream, msgs.length, t0 + RUN_TIMEOUT_MS);
    const seconds = (t1 - t0) / 1000;
    return { seconds, ackSeconds: (acked - t0) / 1000, rate: msgs.length / seconds };
  } finally {
    await bus.jsm.streams.delete(stream).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const tStart = performance.now();
  const loadBefore = loadavg()[0]!;
  const namespace = uniqueName('bench_relay');
  log(`relay bench: ${EVENTS.toLocaleString('en-US')} events, fill "${FILL}", batchSize ${BATCH_SIZE}, maxInFlight ${MAX_IN_FLIGHT}, ${ROUNDS} round(s), ${quick ? 'quick' : 'full'}; namespace ${namespace}`);

  let db: TestDatabase | undefined;
  let store: EventStore | undefined;
  let bus: Bus | undefined;
  let mon: Bus | undefined;
  const runs: Record<'ours' | 'publish' | 'sequential', Run[]> = { ours: [], publish: [], sequential: [] };
  let neighbours = { share: 0, perBatch: 0 };
  let streams = 0;
  let setupSeconds = 0;
  let natsVersion = 'unknown';
  try {
    db = await createTestDatabase('bench_relay');
    await migrateEventStore(db.url);
    store = new EventStore(db.pool({ max: 10 }));
    bus = await connectBus({ servers: NATS_URL, name: 'relay-bench', namespace });
    mon = await connectBus({ servers: NATS_URL, name: 'relay-bench-monitor', namespace });
    natsVersion = bus.nc.info?.version ?? natsVersion;

    ({ streams } = await fill(store, FILL, EVENTS));
    const events = await readEverything(store);
    if (events.length !== EVENTS) throw new Error(`filled ${events.length} events, expected ${EVENTS}`);
    neighbours = sameStreamNeighbours(events, BATCH_SIZE);
    const msgs = prepare(bus, events);
    await freshStream(bus); // provisioned once up front, as the platform would
    setupSeconds = (performance.now() - tStart) / 1000;
    log(`setup ${setupSeconds.toFixed(1)}s: ${streams.toLocaleString('en-US')} streams; ${(neighbours.share * 100).toFixed(1)}% of events follow their own stream within a relay batch`);

    const show = (name: string, r: Run) => {
      const p = r.profile;
      const prof = p
        ? `  [${p.batches} batches: start ${p.startMs.toFixed(0)} ms, readAll ${p.readMs.toFixed(0)} ms, publish ${p.publishMs.toFixed(0)} ms, checkpoint ${p.checkpointMs.toFixed(0)} ms]`
        : '';
      log(`  ${name.padEnd(10)} ${Math.round(r.rate).toString().padStart(7)} events/s  ${r.seconds.toFixed(2)} s (acks ${r.ackSeconds.toFixed(2)} s)${prof}`);
    };
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}`);
      const o = await runOurs(store, db, bus, mon);
      runs.ours.push(o);
      show('ours', o);
      const p = await runPublish(msgs, bus, mon, MAX_IN_FLIGHT);
      runs.publish.push(p);
      show('publish', p);
      const s = await runPublish(msgs.slice(0, SEQUENTIAL_EVENTS), bus, mon, 1);
      runs.sequential.push(s);
      show('sequential', s);
    }
  } finally {
    if (bus) await deleteNamespaceStreams(bus).catch((err: unknown) => log(`could not delete the namespace's streams: ${String(err)}`));
    await bus?.close();
    await mon?.close();
    store?.close();
    await db?.drop().catch((err: unknown) => log(`could not drop ${db?.name}: ${String(err)}`));
  }
  const elapsed = (performance.now() - tStart) / 1000;

  const best = (rs: readonly Run[]) => rs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const ours = best(runs.ours);
  const publish = best(runs.publish);
  const sequential = best(runs.sequential);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const ratios = { vs_publish: round2(ours.rate / publish.rate), vs_sequential_publish: round2(ours.rate / sequential.rate) };
  const p = ours.profile!;
  const results = {
    ours: Math.round(ours.rate),
    publish: Math.round(publish.rate),
    sequential_publish: Math.round(sequential.rate),
    rounds: {
      ours: runs.ours.map((r) => Math.round(r.rate)),
      publish: runs.publish.map((r) => Math.round(r.rate)),
      sequential_publish: runs.sequential.map((r) => Math.round(r.rate)),
    },
    ours_profile_ms: { batches: p.batches, start: Math.round(p.startMs), readAll: Math.round(p.readMs), publish: Math.round(p.publishMs), checkpoint: Math.round(p.checkpointMs) },
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
      sequentialEvents: SEQUENTIAL_EVENTS,
      rounds: ROUNDS,
      setupSeconds: Math.round(setupSeconds * 10) / 10,
      elapsedSeconds: Math.round(elapsed),
    },
  };

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const spread = (rs: readonly Run[]) => (rs.length > 1 ? ` (${rs.map((r) => fmt(r.rate)).join(', ')})` : '');
  const lines: string[] = [''];
  lines.push(`events/s, best of ${ROUNDS} interleaved round(s) (each round); ${fmt(EVENTS)} events, fill "${FILL}" (${fmt(streams)} streams), in-flight window ${MAX_IN_FLIGHT}`);
  lines.push('');
  lines.push('| system | events/s | seconds | ours / system |');
  lines.push('|---|---:|---:|---:|');
  lines.push(`| ours: startRelay (batchSize ${BATCH_SIZE}, maxInFlight ${MAX_IN_FLIGHT}) | ${fmt(ours.rate)}${spread(runs.ours)} | ${ours.seconds.toFixed(2)} | 1.00 |`);
  lines.push(`| js.publish, ${MAX_IN_FLIGHT} in flight, pre-built | ${fmt(publish.rate)}${spread(runs.publish)} | ${publish.seconds.toFixed(2)} | ${ratios.vs_publish.toFixed(2)} |`);
  lines.push(`| await js.publish, sequential${SEQUENTIAL_EVENTS < EVENTS ? ` (first ${fmt(SEQUENTIAL_EVENTS)})` : ''} | ${fmt(sequential.rate)}${spread(runs.sequential)} | ${sequential.seconds.toFixed(2)} | ${ratios.vs_sequential_publish.toFixed(2)} |`);
  lines.push('');
  lines.push(
    `ours, best round: ${p.batches} batches; start ${p.startMs.toFixed(0)} ms, readAll ${p.readMs.toFixed(0)} ms, publishing ${p.publishMs.toFixed(0)} ms, checkpoint ${p.checkpointMs.toFixed(0)} ms of ${(ours.seconds * 1000).toFixed(0)} ms`,
  );
  lines.push(`${(neighbours.share * 100).toFixed(1)}% of events follow an event of their own stream in the same batch (the relay waits for that ack first)`);
  lines.push(`vs_publish: ${ratios.vs_publish.toFixed(2)} (target >= 0.8) ${ratios.vs_publish >= 0.8 ? 'MET' : 'MISSED'}`);
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
