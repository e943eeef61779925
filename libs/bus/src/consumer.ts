import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { millis } from '@nats-io/nats-core';
import type { Bus } from './connection';
import type { DeadLetters } from './dead-letters';
import { BusHeaders, decodeEnvelope, fromEnvelope, headerRecord, type BusEvent } from './envelope';
import { DEFAULT_MAX_DELIVER } from './provision';
import { serveReplays } from './replay';

export type BusHandler = (event: BusEvent) => Promise<void>;

export interface ConsumerOptions {
  /** Final stream name (`bus.streamName('EVENTS')`). */
  readonly stream: string;
  /** A durable provisioned on the stream; also names the consumer in dead letters and replays. */
  readonly durable: string;
  readonly handler: BusHandler;
  /** Handler attempts before parking; default: what `provision` configured. */
  readonly maxDeliver?: number;
  /** Nak delay before attempt n+1 is `backoffMs[n-1]` (the last entry repeats); default: the consumer's backoff. */
  readonly backoffMs?: readonly number[];
  /** Without it, a message that exhausts its attempts is terminated and reported to `onError` only. */
  readonly deadLetters?: DeadLetters;
  /** Messages handled at once; events of one event-store stream still run one after another. */
  readonly concurrency?: number;
  readonly onError?: (err: unknown, event: BusEvent | undefined) => void;
}

export interface ConsumerStats {
  acked: number;
  naked: number;
  parked: number;
  /** Gave up without a dead-letter table to park in. */
  dropped: number;
}

export interface RunningConsumer {
  readonly stream: string;
  readonly durable: string;
  readonly stats: Readonly<ConsumerStats>;
  /** Stops pulling, lets the handlers under way finish and ack, stops answering replays. */
  stop(): Promise<void>;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 15_000, 30_000, 60_000];
const decoder = new TextDecoder();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Acks go out on the connection; if it is gone the server redelivers, which is the right outcome. */
const settle = (f: () => void): void => {
  try {
    f();
  } catch {
    // ClosedConnectionError: see above
  }
};

/**
 * Runs `handler` for every message of a provisioned durable pull consumer: ack on success, nak
 * with the backoff on a throw, and on the last attempt park the event in `deadLetters` and
 * terminate it. At least once: a handler may see an event again (a lost ack, a crash), so it
 * applies effects idempotently (applyOnce). Messages come in stream order, but a retried event
 * comes back after the ones behind it; a handler that needs strict per-stream order checks
 * `event.version` against what it applied.
 */
export async function startConsumer(bus: Bus, opts: ConsumerOptions): Promise<RunningConsumer> {
  const consumer = await bus.js.consumers.get(opts.stream, opts.durable);
  const { config } = await consumer.info(true);
  const serverMax = config.max_deliver ?? -1;
  const maxDeliver = opts.maxDeliver ?? (serverMax > 1 ? serverMax - 1 : DEFAULT_MAX_DELIVER);
  if (serverMax > 0 && maxDeliver >= serverMax) {
    bus.logger.warn({ consumer: opts.durable, maxDeliver, serverMaxDeliver: serverMax }, 'the server gives up before the last attempt is parked; provision max_deliver above maxDeliver');
  }
  const serverBackoff = (config.backoff ?? []).map(millis);
  const backoff = opts.backoffMs?.length ? opts.backoffMs : serverBackoff.length ? serverBackoff : DEFAULT_BACKOFF_MS;
  // Progress heartbeats well inside the shortest ack wait the server may apply (with a backoff it
  // uses the backoff delays as ack waits), so a slow handler is never redelivered while it runs.
  const shortestWait = Math.min(millis(config.ack_wait ?? 30_000_000_000), ...serverBackoff);
  const heartbeatMs = Math.max(20, Math.floor(shortestWait / 3));
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const onError = opts.onError ?? ((err, e) => bus.logger.error({ err, consumer: opts.durable, eventId: e?.id }, 'event handler failed'));
  const stats: ConsumerStats = { acked: 0, naked: 0, parked: 0, dropped: 0 };
  const inflight = new Set<Promise<void>>();
  const lanes = new Map<string, Promise<void>>();
  let stopping = false;
  let batch: ConsumerMessages | undefined;

  const park = async (m: JsMsg, event: BusEvent | undefined, err: unknown): Promise<void> => {
    if (!opts.deadLetters) stats.dropped++;
    else {
      let envelope: unknown;
      try {
        envelope = decodeEnvelope(m.data);
      } catch {
        envelope = { undecodable: decoder.decode(m.data) };
      }
      const input = { consumer: opts.durable, eventId: event?.id ?? null, subject: m.subject, envelope, error: err, attempts: m.info.deliveryCount };
      // Keep the message (heartbeats run) until the row is written: PostgreSQL being down must not
      // turn a dead letter into a lost one. When stopping, it goes back unacked and parks later.
      for (let tries = 0; ; tries++) {
        try {
          await opts.deadLetters.park(input);
          stats.parked++;
          break;
        } catch (parkErr) {
          onError(parkErr, event);
          if (stopping || bus.nc.isClosed()) return;
          await sleep(Math.min(5_000, 200 * 2 ** tries));
        }
      }
    }
    settle(() => m.term()); // no reason given: NATS 2.9 ignores a "+TERM <reason>"
  };

  const handle = async (m: JsMsg): Promise<void> => {
    const attempt = m.info.deliveryCount;
    const beat = setInterval(() => settle(() => m.working()), heartbeatMs);
    try {
      let event: BusEvent;
      try {
        event = { ...fromEnvelope(decodeEnvelope(m.data)), subject: m.subject, deliveryCount: attempt, headers: headerRecord(m.headers), replay: false };
      } catch (err) {
        onError(err, undefined);
        return await park(m, undefined, err); // unreadable: no retry can help
      }
      if (attempt > maxDeliver) {
        // The server's extra delivery (see provision): the last attempt ended without an outcome.
        return await park(m, event, new Error(`no outcome after ${maxDeliver} attempts: the process handling it died, or its ack was lost`));
      }
      try {
        await opts.handler(event);
      } catch (err) {
        onError(err, event);
        if (attempt >= maxDeliver) return await park(m, event, err);
        settle(() => m.nak(backoff[Math.min(attempt, backoff.length) - 1] ?? 0));
        stats.naked++;
        return;
      }
      settle(() => m.ack());
      stats.acked++;
    } finally {
      clearInterval(beat);
    }
  };

  // One lane per event-store stream keeps a stream's events in order when concurrency > 1.
  const dispatch = (m: JsMsg): void => {
    const key = m.headers?.get(BusHeaders.Stream) || m.subject;
    const run = (lanes.get(key) ?? Promise.resolve()).then(() => handle(m)).catch((err: unknown) => onError(err, undefined));
    lanes.set(key, run);
    inflight.add(run);
    void run.finally(() => {
      inflight.delete(run);
      if (lanes.get(key) === run) lanes.delete(key);
    });
  };

  // fetch() rather than consume(): consume() keeps pulling while handlers are busy, and messages
  // waiting in the client buffer would run out their ack wait and be redelivered. Here the
  // client holds only what it is handling, and heartbeats every one of them.
  const pull = async (): Promise<void> => {
    while (!stopping && !bus.nc.isClosed()) {
      while (inflight.size >= concurrency) await Promise.race(inflight);
      try {
        batch = await consumer.fetch({ max_messages: concurrency - inflight.size, expires: 5_000 });
        if (stopping) break; // stop() came while this request was made: it closes `batch` after the loop
        for await (const m of batch) {
          if (stopping) settle(() => m.nak()); // straight back to the other replicas
          else dispatch(m);
        }
      } catch (err) {
        if (stopping || bus.nc.isClosed()) break; // a closed bus never comes back
        onError(err, undefined);
        await sleep(1_000);
      }
    }
  };

  const replays = serveReplays(bus, opts.durable, opts.handler, onError);
  const pulling = pull();
  return {
    stream: opts.stream,
    durable: opts.durable,
    stats,
    async stop() {
      stopping = true;
      await replays.drain().catch(() => undefined);
      await batch?.close();
      await pulling;
      await batch?.close(); // the loop may have opened one more request before it saw `stopping`
      await Promise.allSettled([...inflight]);
      await bus.nc.flush().catch(() => undefined); // the last acks reach the server before we return
    },
  };
}
