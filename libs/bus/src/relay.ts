import { subscribe, type EventStore, type RecordedEvent, type Subscription } from '@outcomes/event-store';
import type { Bus } from './connection';
import { encodeEnvelope, eventSubject } from './envelope';
import { JetStreamPublisher, type AckedPublisher } from './jetstream-publisher';
import { eventWireHeaders } from './wire-headers';

export interface RelayOptions {
  readonly store: EventStore;
  /** For the subscription's own session (its leader lock and LISTEN). */
  readonly connectionString: string;
  readonly bus: Bus;
  /** Durable subscription name: its checkpoint, and one active relay per name. */
  readonly name?: string;
  readonly batchSize?: number;
  /** Publishes awaiting their ack at once. */
  readonly maxInFlight?: number;
  readonly publishTimeoutMs?: number;
  /**
   * Sends the messages; default: a `JetStreamPublisher` on `bus.nc` with `publishTimeoutMs`, closed
   * by `stop()`. One given here is the caller's to close.
   */
  readonly publisher?: AckedPublisher;
  readonly pollIntervalMs?: number;
  /** First delay before a failed batch is re-run (it doubles up to 30 s while failures repeat). */
  readonly retryDelayMs?: number;
  /** Extra headers per event, such as the relay's own span context (they win over the metadata's). */
  readonly headersFor?: (event: RecordedEvent) => Readonly<Record<string, string>> | undefined;
  readonly onBatch?: (stats: RelayBatchStats) => void;
  readonly onError?: (err: unknown) => void;
}

export interface RelayBatchStats {
  readonly events: number;
  readonly published: number;
  /** Acks that JetStream marked duplicate: re-publishes after a crash or a failed batch. */
  readonly duplicates: number;
  readonly ms: number;
}

export interface RelayMetrics {
  published: number;
  duplicates: number;
  batches: number;
  failedBatches: number;
}

export interface Relay {
  readonly metrics: Readonly<RelayMetrics>;
  readonly subscription: Subscription;
  /** True while this process holds the relay's leader lock. */
  readonly isActive: boolean;
  /** Finishes the batch under way (or gives it up to re-delivery), then stops. Leaves the bus open. */
  stop(): Promise<void>;
}

/**
 * Tails the event store in global order and publishes every event to JetStream.
 *
 * Exactly once in the stream: each message carries `Nats-Msg-Id` = event id, and the checkpoint
 * moves only after every publish of the batch was acknowledged, so a crash or a failed publish
 * re-publishes from the checkpoint and JetStream drops what it already holds (within its
 * duplicate window, which must outlast any relay outage).
 *
 * Why per-stream order holds in JetStream:
 * 1. The subscription hands batches in global order (transaction id, position), and the store's
 *    append refuses to put a stream's event behind a newer transaction, so within a stream the
 *    global order is the version order.
 * 2. One relay per name is active (the subscription's leader lock), and the server stores one
 *    connection's messages in the order they arrive.
 * 3. Each stream's events of a batch form a chain: an event is published only after its stream's
 *    previous event was acknowledged, in this batch or (through the checkpoint) in an earlier one.
 *    Pipelining alone would not do: if a publish in the middle of a window were refused (a stream
 *    leader change in a cluster, say) while the next one of the same stream landed, the retry
 *    would store the earlier event after the later one. With the chain, every copy of event v is
 *    sent after v-1 is stored, by this relay or by a former leader still draining, and the copy
 *    JetStream keeps comes after v-1. (relay-crash.int.spec refuses publishes mid-window; without
 *    the chain it sees streams reorder.)
 * Chains of different streams run side by side, up to `maxInFlight` publishes awaiting acks, so
 * events of different streams may reach JetStream in a different order from the global one.
 *
 * Publishing goes through `JetStreamPublisher` (plain publishes, acks matched on one inbox, no
 * per-message request machinery) with headers built in wire form (`eventWireHeaders`): that is
 * where a relay spent most of its CPU per event (docs/benchmarks.md, "Relay").
 */
export function startRelay(opts: RelayOptions): Relay {
  const { bus, store } = opts;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 256);
  let owned: JetStreamPublisher | undefined;
  const publisher = opts.publisher ?? (owned = new JetStreamPublisher(bus.nc, { timeoutMs: opts.publishTimeoutMs ?? 5_000 }));
  const metrics: RelayMetrics = { published: 0, duplicates: 0, batches: 0, failedBatches: 0 };

  const publishBatch = async (events: readonly RecordedEvent[]): Promise<void> => {
    const started = Date.now();
    const slots = new Slots(maxInFlight);
    // Each stream's events form a chain: one is published when the one before it was acked.
    // Chains of different streams run side by side, so a stream's events waiting on each other
    // never hold up the rest of the batch.
    const tails = new Map<string, Promise<void>>();
    let failure: { err: unknown } | undefined;
    let published = 0;
    let duplicates = 0;
    const publishOne = async (e: RecordedEvent): Promise<void> => {
      if (failure) return; // publish nothing after a failure: the whole batch comes round again
      await slots.take();
      try {
        if (failure) return;
        const ack = await publisher.publish(bus.subject(eventSubject(e)), encodeEnvelope(e), eventWireHeaders(e, opts.headersFor?.(e)));
        if (ack.duplicate) duplicates++;
        else published++;
      } catch (err) {
        failure ??= { err };
      } finally {
        slots.give();
      }
    };
    for (const e of events) {
      const tail = (tails.get(e.streamId) ?? Promise.resolve()).then(() => publishOne(e));
      tails.set(e.streamId, tail);
    }
    await Promise.all(tails.values());
    metrics.published += published;
    metrics.duplicates += duplicates;
    metrics.batches++;
    opts.onBatch?.({ events: events.length, published, duplicates, ms: Date.now() - started });
    if (failure) {
      metrics.failedBatches++;
      throw failure.err;
    }
  };

  const subscription = subscribe(
    store,
    opts.connectionString,
    {
      name: opts.name ?? 'relay',
      batchSize: opts.batchSize ?? 500,
      pollIntervalMs: opts.pollIntervalMs ?? 250,
      retryDelayMs: opts.retryDelayMs ?? 500,
      onError: opts.onError ?? ((err) => bus.logger.error({ err, relay: opts.name ?? 'relay' }, 'relay batch failed; retrying from the checkpoint')),
    },
    publishBatch,
  );

  return {
    metrics,
    subscription,
    get isActive() {
      return subscription.isActive;
    },
    async stop() {
      await subscription.stop();
      owned?.close();
    },
  };
}

/** A counting semaphore: at most `size` publishes await their ack at once. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
