import type { Pool, PoolClient } from 'pg';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors';
import { AppendQueue, type PreparedAppend } from './append-queue';
import { AppendNotifier, NOTIFY_AT_COMMIT } from './notifier';
import { queryKeepingConnection } from './pool-query';
import { EVENT_COLUMNS, EVENTS_FROM, MAX_COMMIT_EVENTS, appendResultOf, type EventRow, type RunRow, toRecordedEvent } from './rows';
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
  /**
   * Group commit of `append` and `appendWithWrites` (the pool's appends; not `appendInTransaction`):
   * at most `maxStatements` append statements run at once, and appends that arrive while they all
   * run wait and then go together, each to its own stream, as one statement. An append alone goes
   * at once as itself. `false` sends every append as its own statement.
   */
  readonly groupCommit?: GroupCommitOptions | false;
}

export interface GroupCommitOptions {
  /**
   * Append statements in flight at once (default 1: one statement runs, and whatever arrives
   * meanwhile goes together in the next). More statements at once only contend in PostgreSQL: in
   * the auction benchmark on two cores, 4 cost its backends about 1.7 times the CPU per auction
   * of 1, since each statement carried fewer appends.
   */
  readonly maxStatements?: number;
  /** Appends in one statement at most (default 64). */
  readonly maxAppends?: number;
  /** Serialized events in one statement at most, in characters (default 1,000,000; one append may pass it alone). */
  readonly maxChars?: number;
  /**
   * An append this large (its events' JSON, in characters; default 16,384) goes at once as its own
   * statement, outside the `maxStatements` limit: sharing a commit saves it little.
   */
  readonly aloneFromChars?: number;
}

/** What group commit has done so far. */
export interface GroupCommitStats {
  /** Append statements sent by `append`, one or several appends each. */
  readonly statements: number;
  /** Of those, statements carrying several appends. */
  readonly batches: number;
  /** Appends that went in such statements. */
  readonly batchedAppends: number;
}

export interface AppendOptions {
  /** Metadata merged under each event's own (correlation id, causation id, actor...). */
  readonly metadata?: EventMetadata;
}

/**
 * Writes that go with an append in its statement (so in its transaction, in one round trip), and
 * may share that statement with other appends' writes of the same `name` (group commit, see
 * `appendWithWrites`). `ctes` are data-modifying CTEs, `name AS (INSERT …), other AS (DELETE …)`,
 * written over the relation `writes (slot int, w jsonb)`: one row per append of the statement that
 * wrote its events, `w` being its `row`. An append refused (wrong expected version, say) or found
 * already stored has no row there, so its writes are not made. The `ctes` text must be the same
 * for every append of one `name` (it keys the prepared statement); it takes no parameters.
 */
export interface AppendWrites {
  readonly name: string;
  readonly ctes: string;
  /** This append's row: anything JSON can carry (dates become ISO strings). */
  readonly row: unknown;
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
  private readonly queue: AppendQueue;

  constructor(
    readonly pool: Pool,
    private readonly options: EventStoreOptions = {},
  ) {
    this.notifier = new AppendNotifier(pool);
    this.queue = new AppendQueue(
      pool,
      // Group commit off: every append goes at once, alone.
      options.groupCommit === false ? { maxStatements: Number.MAX_SAFE_INTEGER, maxAppends: 1 } : (options.groupCommit ?? {}),
      options.maxOrderingRetries ?? 5,
      (p) => this.appendPrepared(this.pool, p.streamId, p, p.expected, p.retriesLeft),
      this.notifier,
    );
  }

  /**
   * Appends atomically to one stream, in one round trip. Under load, appends to different streams
   * share a statement (see `groupCommit`): each is still decided and refused on its own.
   */
  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion = 'any', opts: AppendOptions = {}): Promise<AppendResult> {
    return this.queue.submit(streamId, this.prepare(streamId, events, opts), expected, expectedCode(expected));
  }

  /** Wake-ups sent to subscribers: carried by an append statement, or in a statement of their own. */
  get wakeUpStats(): { carried: number; standalone: number } {
    return { ...this.notifier.stats };
  }

  /** Counts of the appends group commit sent together. */
  get groupCommitStats(): GroupCommitStats {
    return { ...this.queue.stats };
  }

  /**
   * Appends inside a caller's transaction, with its other writes. Call it before the transaction's
   * other writes: the append is ordered by the transaction's id, which is taken at its first write.
   */
  appendInTransaction(client: PoolClient, streamId: string, events: readonly NewEvent[], expected: ExpectedVersion = 'any', opts: AppendOptions = {}): Promise<AppendResult> {
    return this.appendPrepared(client, streamId, this.prepare(streamId, events, opts), expected, 0);
  }

  /**
   * Appends and makes `writes` in one statement: atomic together (a refused append writes
   * nothing), one round trip, no explicit transaction; for read models that must change with the
   * events and can be written by SQL alone. Group-committed as `append` is: under load, appends
   * with writes of the same name share a statement, one transaction and one commit, each append
   * still decided and refused on its own.
   */
  appendWithWrites(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion, writes: AppendWrites, opts: AppendOptions = {}): Promise<AppendResult> {
    return this.queue.submit(streamId, this.prepare(streamId, events, opts), expected, expectedCode(expected), writes);
  }

  private async appendPrepared(
    db: Pool | PoolClient,
    streamId: string,
    prepared: PreparedAppend,
    expected: ExpectedVersion,
    retries = this.options.maxOrderingRetries ?? 5,
  ): Promise<AppendResult> {
    const code = expectedCode(expected);
    for (let attempt = 0; ; attempt++) {
      // Named: each connection parses and plans the call once. Now and then it carries the wake-up
      // to its commit; not inside a caller's transaction, which may yet roll back.
      const carried = db === this.pool ? this.notifier.carry() : null;
      const [suffix, filter] = carried === null ? ['', ''] : ['+notify', ` WHERE ${NOTIFY_AT_COMMIT}`];
      const query = {
        name: `es_append${suffix}`,
        text: `SELECT * FROM es.append($1, $2, $3::uuid[], $4::json)${filter}`,
        values: [streamId, code.toString(), `{${prepared.ids.join(',')}}`, prepared.events],
      };
      try {
        // A refused append (ES409 and the like) keeps its pooled connection.
        const { rows } = db === this.pool ? await queryKeepingConnection<RunRow>(this.pool, query) : await db.query<RunRow>(query);
        const result = appendResultOf(streamId, prepared.ids, rows);
        this.notifier.done(carried, !result.alreadyStored);
        return result;
      } catch (err) {
        this.notifier.failed(carried);
        const e = err as PgError;
        if (e.code === 'ES409') throw new WrongExpectedVersionError(streamId, expected, BigInt(e.detail ?? '0'));
        if (e.code === 'ES410') throw new EventIdConflictError(streamId, e.message);
        if (e.code === '23505' && e.constraint === 'event_ids_pkey') throw new EventIdConflictError(streamId, 'an event id of this append is already stored elsewhere');
        if (e.code === '40001' && attempt < retries) continue;
        throw err;
      }
    }
  }

  /** Ids fixed and events serialized once, before the first attempt: retries send the same. */
  private prepare(streamId: string, events: readonly NewEvent[], opts: AppendOptions): PreparedAppend {
    if (typeof streamId !== 'string' || streamId.length === 0) throw new InvalidAppendError('stream id must be a non-empty string');
    if (events.length === 0) throw new InvalidAppendError(`stream ${streamId}: nothing to append`);
    const enriched = this.options.enrichMetadata?.() ?? {};
    const ids: string[] = [];
    const stored = events.map((e, i) => {
      if (typeof e.type !== 'string' || e.type.length === 0) throw new InvalidAppendError(`stream ${streamId}: event ${i} has no type`);
      if (e.id !== undefined && !isUuid(e.id)) throw new InvalidAppendError(`stream ${streamId}: event ${i} id "${e.id}" is not a UUID`);
      ids.push(e.id ?? uuidv7());
      return { type: e.type, data: e.data ?? null, metadata: { ...enriched, ...opts.metadata, ...e.metadata } };
    });
    return { ids, events: JSON.stringify(stored) };
  }

  async readStream(streamId: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE c.stream_id = $1
          AND c.version >= (SELECT coalesce(max(h.version), 1) FROM es.commits h WHERE h.stream_id = $1 AND h.version <= $2::bigint)
          AND c.version + e.ord - 1 >= $2::bigint
        ORDER BY c.version, e.ord
        LIMIT $3`,
      [streamId, String(opts.fromVersion ?? 1), opts.limit ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  /** The latest snapshot stored for a stream: its version and the bytes its writer stored; null when there is none. */
  async readSnapshot(streamId: string): Promise<{ version: bigint; state: Buffer } | null> {
    const { rows } = await this.pool.query<{ version: string; state: Buffer }>(`SELECT version, state FROM es.snapshots WHERE stream_id = $1`, [streamId]);
    return rows[0] ? { version: BigInt(rows[0].version), state: rows[0].state } : null;
  }

  /**
   * Stores a snapshot of a stream's state at `version`, unless one as late is stored already
   * (answers whether it was stored). A snapshot is a cache of the stream's events: the caller
   * vouches that `state` is their fold up to `version`.
   */
  async writeSnapshot(streamId: string, version: bigint, state: Buffer): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO es.snapshots (stream_id, version, state) VALUES ($1, $2, $3)
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, taken_at = now()
       WHERE es.snapshots.version < EXCLUDED.version`,
      [streamId, version.toString(), state],
    );
    return rowCount === 1;
  }

  /** The next events of the global order after `after`, never past the oldest open transaction. */
  async readAll(after: Checkpoint = START, limit = 1000): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE (c.transaction_id, c.position) > ($1::xid8, $2::bigint - ${MAX_COMMIT_EVENTS})
          AND (c.transaction_id, c.position + e.ord - 1) > ($1::xid8, $2::bigint)
          AND c.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY c.transaction_id, c.position, e.ord
        LIMIT $3`,
      [after.transactionId.toString(), after.position.toString(), limit],
    );
    return rows.map(toRecordedEvent);
  }

  /**
   * As `readAll`, for the streams of one category (`<category>-<id>`), or of several: their events
   * in the one global order, the others' passed over in the database, not sent.
   */
  async readCategory(category: string | readonly string[], after: Checkpoint = START, limit = 1000): Promise<RecordedEvent[]> {
    const several = typeof category !== 'string';
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE ${several ? 'c.category = ANY($1::text[])' : 'c.category = $1'}
          AND (c.transaction_id, c.position) > ($2::xid8, $3::bigint - ${MAX_COMMIT_EVENTS})
          AND (c.transaction_id, c.position + e.ord - 1) > ($2::xid8, $3::bigint)
          AND c.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY c.transaction_id, c.position, e.ord
        LIMIT $4`,
      [category, after.transactionId.toString(), after.position.toString(), limit],
    );
    return rows.map(toRecordedEvent);
  }

  /** How much committed work readers are held back from by transactions still open. */
  async heldBack(): Promise<HeldBack> {
    const { rows } = await this.pool.query<{ events: string; oldest_ms: number | null }>(
      `SELECT (SELECT coalesce(sum(count), 0) FROM es.commits WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS events,
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
