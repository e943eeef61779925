import type { RecordedEvent } from './types';

export interface EventRow {
  transaction_id: string;
  position: string;
  event_id: string;
  stream_id: string;
  category: string;
  version: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

export const EVENT_COLUMNS = 'transaction_id, position, event_id, stream_id, category, version, type, data, metadata, recorded_at';

export const toRecordedEvent = (r: EventRow): RecordedEvent => ({
  id: r.event_id,
  streamId: r.stream_id,
  category: r.category,
  version: BigInt(r.version),
  position: BigInt(r.position),
  transactionId: BigInt(r.transaction_id),
  type: r.type,
  data: r.data,
  metadata: r.metadata,
  recordedAt: r.recorded_at,
});
