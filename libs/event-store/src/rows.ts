import type { AppendResult, RecordedEvent } from './types';

export interface EventRow {
  transaction_id: string;
  position: string;
  event_id: string | null;
  stream_id: string;
  category: string;
  version: string;
  /** The event as its commit stores it, parsed once. */
  ev: { type: string; data: unknown; metadata: Record<string, unknown> } | null;
  recorded_at: Date;
}

/**
 * Events are stored a commit at a time (`es.commits`, one row per append and stream, its events one
 * JSON array beside an array of their ids): reads expand commits into events with `EVENTS_FROM` and
 * select `EVENT_COLUMNS`. Each event goes out as its commit holds it, `{type, data, metadata}`, and
 * is parsed once, here, not taken apart in the database (which would parse its text once per
 * field). A commit holds at most `MAX_COMMIT_EVENTS` events and takes as many positions from its
 * own, so a read from inside the global order bounds the commits it scans by that much before the
 * event it starts at, and filters by the expanded columns.
 */
export const EVENTS_FROM = `es.commits c CROSS JOIN LATERAL ROWS FROM (json_array_elements(c.events), unnest(c.event_ids)) WITH ORDINALITY AS e(ev, event_id, ord)`;

export const EVENT_COLUMNS = `c.transaction_id, c.position + e.ord - 1 AS position, e.event_id, c.stream_id, c.category, c.version + e.ord - 1 AS version, e.ev, c.recorded_at`;

export const MAX_COMMIT_EVENTS = 1000;

export function toRecordedEvent(r: EventRow): RecordedEvent {
  const { event_id: id, ev } = r;
  // es.append takes a commit's ids and events as two arrays; unnested side by side, a commit whose
  // arrays differ in length (written by hand, not by the store) shows here as a missing half.
  if (id === null || ev === null) throw new Error(`stream ${r.stream_id}, version ${r.version}: its commit holds a different number of ids and events`);
  return {
    id,
    streamId: r.stream_id,
    category: r.category,
    version: BigInt(r.version),
    position: BigInt(r.position),
    transactionId: BigInt(r.transaction_id),
    type: ev.type,
    data: ev.data,
    metadata: ev.metadata,
    recordedAt: r.recorded_at,
  };
}

/** A row of `es.append` or `es.append_many`: `event_count` events from `version` and `event_position` on, a step each. */
export interface RunRow {
  version: string;
  event_position: string;
  event_count: number;
  transaction_id: string;
  already_stored: boolean;
}

/** An append's answer from its runs, in order; `ids` are the ids it was sent with, in the same order. */
export function appendResultOf(streamId: string, ids: readonly string[], runs: readonly RunRow[]): AppendResult {
  const events: { id: string; version: bigint; position: bigint }[] = [];
  for (const run of runs) {
    const version = BigInt(run.version);
    const position = BigInt(run.event_position);
    for (let i = 0; i < run.event_count; i++) {
      const k = BigInt(i);
      events.push({ id: ids[events.length]!, version: version + k, position: position + k });
    }
  }
  if (events.length !== ids.length) throw new Error(`stream ${streamId}: ${ids.length} events sent, ${events.length} answered`);
  const last = events[events.length - 1]!;
  const lastRun = runs[runs.length - 1]!;
  return {
    streamId,
    nextExpectedVersion: last.version,
    events,
    checkpoint: { transactionId: BigInt(lastRun.transaction_id), position: last.position },
    alreadyStored: lastRun.already_stored,
  };
}
