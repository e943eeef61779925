import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { EventMetadata, RecordedEvent } from '@outcomes/event-store';

/** What travels in a message body: a recorded event as JSON, its bigints as decimal strings. */
export interface EventEnvelope {
  readonly id: string;
  readonly streamId: string;
  readonly category: string;
  readonly version: string;
  readonly position: string;
  readonly transactionId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
}

/** A recorded event as a consumer receives it. */
export interface BusEvent<Type extends string = string, Data = unknown> extends RecordedEvent<Type, Data> {
  readonly subject: string;
  /** 1 on the first delivery; counts the handler's attempts. */
  readonly deliveryCount: number;
  /** Message headers, keys lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** True when the event comes back from the dead-letter table rather than from the stream. */
  readonly replay: boolean;
}

export const BusHeaders = {
  MsgId: 'Nats-Msg-Id',
  Stream: 'Outcomes-Stream',
  Version: 'Outcomes-Version',
  Position: 'Outcomes-Position',
  Type: 'Outcomes-Type',
  Traceparent: 'traceparent',
  Tracestate: 'tracestate',
} as const;

export const toEnvelope = (e: RecordedEvent): EventEnvelope => ({
  id: e.id,
  streamId: e.streamId,
  category: e.category,
  version: e.version.toString(),
  position: e.position.toString(),
  transactionId: e.transactionId.toString(),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt.toISOString(),
});

export const fromEnvelope = (v: EventEnvelope): RecordedEvent => {
  if (typeof v?.id !== 'string' || typeof v.streamId !== 'string' || typeof v.type !== 'string') {
    throw new Error('not an event envelope: id, streamId and type are required');
  }
  return {
    id: v.id,
    streamId: v.streamId,
    category: v.category,
    version: BigInt(v.version),
    position: BigInt(v.position),
    transactionId: BigInt(v.transactionId),
    type: v.type,
    data: v.data,
    metadata: v.metadata ?? {},
    recordedAt: new Date(v.recordedAt),
  };
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encodeEnvelope = (e: RecordedEvent): Uint8Array => encoder.encode(JSON.stringify(toEnvelope(e)));
export const decodeEnvelope = (data: Uint8Array): EventEnvelope => JSON.parse(decoder.decode(data)) as EventEnvelope;

// A subject token may not hold '.', '*', '>' or whitespace. An odd category or type must not
// stall the relay on one event forever, so such characters become '_' rather than an error.
const token = (s: string): string => s.replace(/[.*>\s]/g, '_') || '_';

/** `evt.<category>.<EventType>`, before the bus namespace. */
export const eventSubject = (e: Pick<RecordedEvent, 'category' | 'type'>): string => `evt.${token(e.category)}.${token(e.type)}`;

/** The headers every event message carries; `extra` (the live trace context, say) wins. */
export const eventHeaders = (e: RecordedEvent, extra: Readonly<Record<string, string>> = {}): MsgHdrs => {
  const h = natsHeaders();
  h.set(BusHeaders.Stream, e.streamId);
  h.set(BusHeaders.Version, e.version.toString());
  h.set(BusHeaders.Position, e.position.toString());
  h.set(BusHeaders.Type, e.type);
  const { traceparent, tracestate } = e.metadata;
  if (typeof traceparent === 'string' && traceparent) h.set(BusHeaders.Traceparent, traceparent);
  if (typeof tracestate === 'string' && tracestate) h.set(BusHeaders.Tracestate, tracestate);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
};

export const headerRecord = (h: MsgHdrs | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const k of h.keys()) out[k.toLowerCase()] = h.get(k);
  return out;
};
