import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerInfo,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Bus } from './connection';

/** A stream as it should be. Names and subjects are final: build them with `bus.streamName` / `bus.subject`. */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly storage?: 'file' | 'memory';
  readonly retention?: 'limits' | 'interest' | 'workqueue';
  readonly maxAgeMs?: number;
  readonly maxMsgs?: number;
  readonly maxBytes?: number;
  /** How long JetStream remembers a `Nats-Msg-Id` to drop a re-publish of it. */
  readonly duplicateWindowMs?: number;
  readonly replicas?: number;
  readonly description?: string;
}

/** A durable pull consumer as it should be. */
export interface ConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  /** One subject (wildcards allowed): NATS 2.9 has a single filter per consumer. */
  readonly filterSubject: string;
  /** Attempts the handler gets before the message is parked as a dead letter. */
  readonly maxDeliver?: number;
  /** Without `backoffMs`: how long a delivery may stay unacknowledged before it is redelivered. */
  readonly ackWaitMs?: number;
  /**
   * Redelivery delays after an ack timeout, and the consumer's default nak delays. The server then
   * takes `backoffMs[0]` as the first ack wait; the consumer's progress heartbeats keep slow
   * handlers from being redelivered, so short delays are safe.
   */
  readonly backoffMs?: readonly number[];
  /** Unacknowledged messages the server hands out at once, across all replicas of the consumer. */
  readonly maxAckPending?: number;
  readonly description?: string;
}

export interface ProvisionSpec {
  readonly streams?: readonly StreamSpec[];
  readonly consumers?: readonly ConsumerSpec[];
}

export const DEFAULT_MAX_DELIVER = 5;

/** The platform's event stream: everything the relay publishes, `evt.<category>.<EventType>`. */
export const eventsStream = (bus: Bus, overrides: Partial<StreamSpec> = {}): StreamSpec => ({
  name: bus.streamName('EVENTS'),
  subjects: [bus.subject('evt.>')],
  storage: 'file',
  retention: 'limits',
  maxAgeMs: 30 * 24 * 3600_000,
  // Longer than any relay outage we expect to recover from by re-publishing from its checkpoint.
  duplicateWindowMs: 2 * 60_000,
  ...overrides,
});

const streamConfig = (s: StreamSpec): Partial<StreamConfig> & { name: string } => ({
  name: s.name,
  subjects: [...s.subjects],
  storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
  retention: s.retention ?? RetentionPolicy.Limits,
  max_age: nanos(s.maxAgeMs ?? 0),
  max_msgs: s.maxMsgs ?? -1,
  max_bytes: s.maxBytes ?? -1,
  duplicate_window: nanos(s.duplicateWindowMs ?? 2 * 60_000),
  num_replicas: s.replicas ?? 1,
  ...(s.description ? { description: s.description } : {}),
});

const consumerConfig = (c: ConsumerSpec): Partial<ConsumerConfig> => ({
  durable_name: c.durable,
  filter_subject: c.filterSubject,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: nanos(c.ackWaitMs ?? 30_000),
  // One more than the handler's attempts: if the process dies during the last attempt, the server
  // still delivers the message once more and the consumer parks it, instead of dropping it silently.
  max_deliver: (c.maxDeliver ?? DEFAULT_MAX_DELIVER) + 1,
  ...(c.backoffMs?.length ? { backoff: c.backoffMs.map(nanos) } : {}),
  max_ack_pending: c.maxAckPending ?? 1_000,
  ...(c.description ? { description: c.description } : {}),
});

const apiCode = (err: unknown): number | undefined => (err instanceof JetStreamApiError ? err.apiError().err_code : undefined);

/**
 * Makes the streams and consumers match their specs: creates what is missing, updates what
 * differs, leaves the rest alone. Safe to run at every start-up and from many replicas at once:
 * an identical create is a no-op on the server, and a create that loses a race becomes an update.
 */
export async function provision(bus: Bus, spec: ProvisionSpec): Promise<{ streams: StreamInfo[]; consumers: ConsumerInfo[] }> {
  const streams: StreamInfo[] = [];
  for (const s of spec.streams ?? []) streams.push(await ensureStream(bus, s));
  const consumers: ConsumerInfo[] = [];
  for (const c of spec.consumers ?? []) consumers.push(await ensureConsumer(bus, c));
  return { streams, consumers };
}

async function ensureStream(bus: Bus, s: StreamSpec): Promise<StreamInfo> {
  const cfg = streamConfig(s);
  for (let attempt = 0; ; attempt++) {
    try {
      return await bus.jsm.streams.add(cfg);
    } catch (err) {
      const code = apiCode(err);
      if (code === 10058) {
        // the name is taken with another configuration: bring it to this one
        const { name, ...changes } = cfg;
        bus.logger.info({ stream: name }, 'updating stream configuration');
        return bus.jsm.streams.update(name, changes);
      }
      // 10065, subjects overlap: when another process created this very stream a moment ago, the
      // server's name check missed it and its subject check caught it. Asking again finds the name.
      if (code === 10065 && attempt < 3 && (await streamExists(bus, cfg.name))) continue;
      throw err;
    }
  }
}

const streamExists = (bus: Bus, name: string): Promise<boolean> =>
  bus.jsm.streams.info(name).then(
    () => true,
    (err: unknown) => (apiCode(err) === 10059 ? false : Promise.reject(err)),
  );

async function ensureConsumer(bus: Bus, c: ConsumerSpec): Promise<ConsumerInfo> {
  const cfg = consumerConfig(c);
  try {
    return await bus.jsm.consumers.add(c.stream, cfg);
  } catch (err) {
    // Servers differ in how they refuse a changed durable (2.9 updates in place, 2.10+ may refuse
    // with "consumer already exists"): whatever the refusal, an explicit update settles it.
    const code = apiCode(err);
    if (code === undefined || code === 10059) throw err; // 10059: no such stream, nothing to update
    bus.logger.info({ stream: c.stream, consumer: c.durable }, 'updating consumer configuration');
    const { durable_name: _d, ack_policy: _a, deliver_policy: _p, ...changes } = cfg;
    return bus.jsm.consumers.update(c.stream, c.durable, changes);
  }
}
