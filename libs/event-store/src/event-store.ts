import type { Pool, PoolClient } from 'pg';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors';
import { AppendNotifier } from './notifier';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows';
import {
  START,
  type AppendResult,
  type Checkpoint,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
} from './types';
import { isUuid, uuidv7 } from './uuid';

export interface EventStoreOptions {
  /** Adds metadata to every appended event that lacks it (the active trace context, say). */
  readonly enrichMetadata?: () => EventMetadata;
  /** How often to retry when an older transaction would have appended behind a newer one. */
  readonly maxOrderingRetries?: number;
}

export interface AppendOptions {
  /** Metadata merged under each event's own (correlation id, causation id, actor...). */
  readonly metadata?: EventMetadata;
}

/**
 * Writes that go with an append in the same statement (so in its transaction, in one round trip):
 * data-modifying CTEs, `name AS (INSERT …), other AS (DELETE …)`, whose parameters are numbered
 * from $1 in `values`. `name` keys the prepared statement: one per distinct `ctes` text.
 */
export interface AppendAlso {
  readonly name: string;
  readonly ctes: string;
  readonly values: readonly unknown[];
}

export interface ReadStreamOptions {
  readonly fromVersion?: bigint | number;
  readonly limit?: number;
}

export interface HeldBack {
  /** Committed events readers cannot deliver yet, because an older transaction is still open. */
  readonly events: number;
  /** Age of the oldest open transaction that holds an id, or null when none is open. */
  readonly oldestOpenTransactionMs: number | null;
}

const expectedCode = (e: ExpectedVersion): bigint => {
  switch (e) {
    case 'no_stream':
      return -1n;
    case 'stream_exists':
      return -2n;
    case 'any':
      return -3n;
    default: {
      const v = BigInt(e);
      if (v < 0n) throw new InvalidAppendError(`expected version must be >= 0, got ${v}`);
      return v;
    }
  }
};

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  message: string;
}

export class EventStore {
  private readonly notifier: AppendNotifier;

  constructor(
    readonly pool: Pool,
    private readonly options: EventStoreOptions = {},
  ) {
    this.notifier = new AppendNotifier(pool);
  }

  /** Appends atomically to one stream in one round trip. */
  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion = 'any', opts: AppendOptions = {}): Promise<AppendResult> {
    return this.appendWith(this.pool, streamId, events, expected, opts);
  }

  /**
   * Appends inside a caller's transaction, with its other writes. Call it before the transaction's
   * other writes: the append is ordered by the transaction's id, which is taken at its first write.
   */
  appendInTransaction(client: PoolClient, streamId: string, events: readonly NewEvent[], expected: ExpectedVersion = 'any', opts: AppendOptions = {}): Promise<AppendResult> {
    return this.appendWith(client, streamId, events, expected, opts, 0);
  }

  /**
   * Appends and runs `also`'s writes in one statement: atomic together (a refused append writes
   * nothing), one round trip, no explicit transaction. For read models that must change with the
   * events and can be written by SQL alone.
   */
  appendWithWrites(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion, also: AppendAlso, opts: AppendOptions = {}): Promise<AppendResult> {
    return this.appendWith(this.pool, streamId, events, expected, opts, this.options.maxOrderingRetries ?? 5, also);
  }

  private async appendWith(
    db: Pool | PoolClient,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
    opts: AppendOptions,
    retries = this.options.maxOrderingRetries ?? 5,
    also?: AppendAlso,
  ): Promise<AppendResult> {
    const payload = JSON.stringify(this.prepare(streamId, events, opts));
    const code = expectedCode(expected);
    const query = also
      ? {
          name: `es_append+${also.name}`,
          // The CTEs' own parameters follow the append's three.
          text: `WITH appended AS (SELECT * FROM es.append($1, $2, $3::jsonb)), ${also.ctes.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + 3}`)} SELECT * FROM appended`,
          values: [streamId, code.toString(), payload, ...also.values],
        }
      : // Named: each connection parses and plans the call once.
        { name: 'es_append', text: 'SELECT * FROM es.append($1, $2, $3::jsonb)', values: [streamId, code.toString(), payload] };
    for (let attempt = 0; ; attempt++) {
      try {
        const { rows } = await db.query<{ event_id: string; version: string; event_position: string; transaction_id: string; already_stored: boolean }>(query);
        const last = rows[rows.length - 1]!;
        if (!last.already_stored) this.notifier.poke();
        return {
          streamId,
          nextExpectedVersion: BigInt(last.version),
          events: rows.map((r) => ({ id: r.event_id, version: BigInt(r.version), position: BigInt(r.event_position) })),
          checkpoint: { transactionId: BigInt(last.transaction_id), position: BigInt(last.event_position) },
          alreadyStored: last.already_stored,
        };
      } catch (err) {
        const e = err as PgError;
        if (e.code === 'ES409') throw new WrongExpectedVersionError(streamId, expected, BigInt(e.detail ?? '0'));
        if (e.code === 'ES410') throw new EventIdConflictError(streamId, e.message);
        if (e.code === '23505' && e.constraint === 'events_event_id_key') throw new EventIdConflictError(streamId, 'an event id of this append is already stored elsewhere');
        if (e.code === '40001' && attempt < retries) continue;
        throw err;
      }
    }
  }

  private prepare(streamId: string, events: readonly NewEvent[], opts: AppendOptions) {
    if (typeof streamId !== 'string' || streamId.length === 0) throw new InvalidAppendError('stream id must be a non-empty string');
    if (events.length === 0) throw new InvalidAppendError(`stream ${streamId}: nothing to append`);
    const enriched = this.options.enrichMetadata?.() ?? {};
    return events.map((e, i) => {
      if (typeof e.type !== 'string' || e.type.length === 0) throw new InvalidAppendError(`stream ${streamId}: event ${i} has no type`);
      if (e.id !== undefined && !isUuid(e.id)) throw new InvalidAppendError(`stream ${streamId}: event ${i} id "${e.id}" is not a UUID`);
      return { id: e.id ?? uuidv7(), type: e.type, data: e.data ?? null, metadata: { ...enriched, ...opts.metadata, ...e.metadata } };
    });
  }

  async readStream(streamId: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es.events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [streamId, String(opts.fromVersion ?? 1), opts.limit ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  /** The next events of the global order after `after`, never past the oldest open transaction. */
  async readAll(after: Checkpoint = START, limit = 1000): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es.events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT $3`,
      [after.transactionId.toString(), after.position.toString(), limit],
    );
    return rows.map(toRecordedEvent);
  }

  /** As `readAll`, for the streams of one category (`<category>-<id>`). */
  async readCategory(category: string, after: Checkpoint = START, limit = 1000): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es.events
        WHERE category = $1
          AND (transaction_id, position) > ($2::xid8, $3::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT $4`,
      [category, after.transactionId.toString(), after.position.toString(), limit],
    );
    return rows.map(toRecordedEvent);
  }

  /** How much committed work readers are held back from by transactions still open. */
  async heldBack(): Promise<HeldBack> {
    const { rows } = await this.pool.query<{ events: string; oldest_ms: number | null }>(
      `SELECT (SELECT count(*) FROM es.events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS events,
              (SELECT extract(epoch FROM now() - min(xact_start)) * 1000 FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid())::float8 AS oldest_ms`,
    );
    const r = rows[0]!;
    return { events: Number(r.events), oldestOpenTransactionMs: r.oldest_ms };
  }

  close(): void {
    this.notifier.close();
  }
}
