/** What a writer hands to `append`. Ids and metadata are optional; the store fills them in. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly id?: string;
  readonly metadata?: EventMetadata;
}

/** Who and what caused an event; travels with it to every consumer. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly actor?: string;
  readonly [key: string]: unknown;
}

/**
 * A place in the global order. The order is by (commit transaction, position): positions come
 * from a sequence and may have gaps, and two transactions may commit in a different order from
 * the positions they took, so the position alone cannot be a reader's cursor.
 */
export interface Checkpoint {
  readonly transactionId: bigint;
  readonly position: bigint;
}

export const START: Checkpoint = Object.freeze({ transactionId: 0n, position: 0n });

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly streamId: string;
  readonly category: string;
  /** 1 for the first event of a stream, gap-free. */
  readonly version: bigint;
  /**
   * Globally unique, increasing within a transaction; far from gap-free: each commit (an append to
   * one stream) takes a block of 1,000 positions, and rolled-back appends leave holes.
   */
  readonly position: bigint;
  readonly transactionId: bigint;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

/** An exact stream version (the version of its last event), or one of the looser expectations. */
export type ExpectedVersion = bigint | number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendedEvent {
  readonly id: string;
  readonly version: bigint;
  readonly position: bigint;
}

export interface AppendResult {
  readonly streamId: string;
  /** The version of the stream's last event after this append. */
  readonly nextExpectedVersion: bigint;
  readonly events: readonly AppendedEvent[];
  /** Where the last written event sits in the global order. */
  readonly checkpoint: Checkpoint;
  /** True when every event id was already stored and nothing was written (a safe retry). */
  readonly alreadyStored: boolean;
}

export const checkpointOf = (e: Pick<RecordedEvent, 'transactionId' | 'position'>): Checkpoint => ({
  transactionId: e.transactionId,
  position: e.position,
});

export const compareCheckpoints = (a: Checkpoint, b: Checkpoint): number =>
  a.transactionId === b.transactionId
    ? a.position === b.position
      ? 0
      : a.position < b.position
        ? -1
        : 1
    : a.transactionId < b.transactionId
      ? -1
      : 1;

/** `<category>-<id>`: the category is what comes before the first dash. */
export const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};

export const serializeCheckpoint = (c: Checkpoint): string => `${c.transactionId}:${c.position}`;

export const parseCheckpoint = (s: string): Checkpoint => {
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m) throw new Error(`not a checkpoint: "${s}"`);
  return { transactionId: BigInt(m[1]!), position: BigInt(m[2]!) };
};
