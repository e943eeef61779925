import type { Pool } from 'pg';
import { EventIdConflictError, WrongExpectedVersionError } from './errors';
import type { AppendWrites } from './event-store';
import { NOTIFY_AT_COMMIT, type AppendNotifier } from './notifier';
import { queryKeepingConnection } from './pool-query';
import { appendResultOf, type RunRow } from './rows';
import type { AppendResult, ExpectedVersion } from './types';

/**
 * An append as the append functions take it, made once for every attempt: its events' ids, fixed
 * before the first attempt so retries are safe, and its events (type, data and metadata) as one
 * JSON array in the same order (`es.append`'s p_ids and p_events).
 */
export interface PreparedAppend {
  readonly ids: readonly string[];
  readonly events: string;
}

export interface Pending extends PreparedAppend {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly code: bigint;
  /** Writes that go with it (`appendWithWrites`): such appends share statements with plain appends and with appends of the same writes' name. */
  readonly writes: AppendWrites | undefined;
  /** Ordering retries (40001) this append may still take. */
  retriesLeft: number;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (err: unknown) => void;
}

interface ManyRow extends RunRow {
  slot: number;
  error_code: string | null;
  error_detail: string | null;
}

interface Limits {
  readonly maxStatements?: number;
  readonly maxAppends?: number;
  readonly maxChars?: number;
  readonly aloneFromChars?: number;
}

/**
 * Group commit for `EventStore.append`. Up to `maxStatements` statements run at once; an append
 * that finds them all busy waits, and when one returns, the waiting appends leave together, each
 * to a different stream, as one `es.append_many`: one round trip, one transaction and one commit
 * for all of them instead of one each. Nothing waits for company: an append goes at once when a
 * statement slot is free, so at low load every append is its own `es.append`, and batches form
 * only when appends arrive faster than statements finish. A large append (`aloneFromChars`) does not
 * wait for a slot at all: it goes on its own at once, as without group commit.
 *
 * Each append keeps its own answer: a wrong expected version or an ordering retry (40001) refuses
 * that append alone. A second append to a stream already in the batch waits for the next statement,
 * so appends to one stream keep their submission order. If the batch statement itself fails (an
 * event id already stored on another stream, a lost connection), each of its appends is sent again
 * on its own with the same event ids, so each gets the answer it would have had alone, and one that
 * landed before the connection broke is answered as already stored.
 */
export class AppendQueue {
  private readonly waiting: Pending[] = [];
  private inFlight = 0;
  private readonly maxStatements: number;
  private readonly maxAppends: number;
  private readonly maxChars: number;
  private readonly aloneFromChars: number;
  readonly stats = { statements: 0, batches: 0, batchedAppends: 0 };

  constructor(
    private readonly pool: Pool,
    limits: Limits,
    private readonly retries: number,
    /** One append as its own statement (es.append), with its ordering retries. */
    private readonly alone: (p: Pending) => Promise<AppendResult>,
    /** Wakes subscribers: one statement in a while carries the wake-up to its commit. */
    private readonly notifier: AppendNotifier,
  ) {
    this.maxStatements = Math.max(1, limits.maxStatements ?? 1);
    this.maxAppends = Math.max(1, limits.maxAppends ?? 64);
    this.maxChars = Math.max(1, limits.maxChars ?? 1_000_000);
    this.aloneFromChars = Math.max(1, limits.aloneFromChars ?? 16_384);
  }

  submit(streamId: string, prepared: PreparedAppend, expected: ExpectedVersion, code: bigint, writes?: AppendWrites): Promise<AppendResult> {
    const { ids, events } = prepared;
    return new Promise<AppendResult>((resolve, reject) => {
      const p: Pending = { streamId, ids, events, expected, code, writes, retriesLeft: this.retries, resolve, reject };
      // A large append gains little from sharing a commit and would hold a slot long: it goes at
      // once, on its own, unless an earlier append to its stream still waits (order first).
      if (events.length >= this.aloneFromChars && !this.waiting.some((w) => w.streamId === streamId)) {
        this.stats.statements++;
        return void this.one(p);
      }
      this.waiting.push(p);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxStatements && this.waiting.length > 0) {
      const batch = this.take();
      this.inFlight++;
      this.stats.statements++;
      const sent = batch.length === 1 ? this.one(batch[0]!) : this.many(batch, true);
      // Whatever went wrong unanswered answers every append still waiting for it (a settled one ignores it).
      void sent
        .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
        .finally(() =>
          // The slot is given up after this turn's microtasks: what the appends just answered submit
          // next (a budget's next batch, an outcome's next step) leaves in the next statement with
          // the appends that waited, not in the one after it.
          setImmediate(() => {
            this.inFlight--;
            this.pump();
          }),
        );
    }
  }

  /**
   * The waiting appends that go next: in arrival order, one per stream, within the limits. Plain
   * appends go with any batch; appends with writes go only with others of the same writes' name
   * (the name of the first one taken). An append passed over holds back the later appends to its
   * stream, which must not overtake it.
   */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const streams = new Set<string>();
    let kind: string | undefined;
    let chars = 0;
    let i = 0;
    while (i < this.waiting.length && batch.length < this.maxAppends) {
      const p = this.waiting[i]!;
      const name = p.writes?.name;
      if (streams.has(p.streamId) || (name !== undefined && kind !== undefined && name !== kind) || (batch.length > 0 && chars + p.events.length > this.maxChars)) {
        streams.add(p.streamId);
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      batch.push(p);
      streams.add(p.streamId);
      chars += p.events.length;
      kind ??= name;
    }
    return batch;
  }

  /** One append as its own statement: `es.append`, or with its writes a batch of one. */
  private async one(p: Pending): Promise<void> {
    if (p.writes) return this.many([p], false);
    await this.alone(p).then(p.resolve, p.reject);
  }

  private async many(batch: Pending[], shared: boolean): Promise<void> {
    if (shared) {
      this.stats.batches++;
      this.stats.batchedAppends += batch.length;
    }
    let rows: ManyRow[];
    const carried = this.notifier.carry();
    try {
      rows = (await queryKeepingConnection<ManyRow>(this.pool, manyStatement(batch, carried !== null))).rows;
    } catch (err) {
      this.notifier.failed(carried);
      // Nothing of the batch was written (one statement): each append goes again on its own.
      if (shared) await Promise.all(batch.map((p) => this.one(p)));
      else batch[0]!.reject(aloneError(batch[0]!, err));
      return;
    }
    const bySlot = new Map<number, ManyRow[]>();
    for (const r of rows) {
      const list = bySlot.get(r.slot);
      if (list) list.push(r);
      else bySlot.set(r.slot, [r]);
    }
    let wrote = false;
    batch.forEach((p, i) => {
      const mine = bySlot.get(i + 1) ?? [];
      const last = mine[mine.length - 1];
      if (!last) return p.reject(new Error(`es.append_many gave no answer for stream ${p.streamId}`));
      switch (last.error_code) {
        case null: {
          let result: AppendResult;
          try {
            result = appendResultOf(p.streamId, p.ids, mine);
          } catch (err) {
            return p.reject(err);
          }
          if (!result.alreadyStored) wrote = true;
          return p.resolve(result);
        }
        case 'ES409':
          return p.reject(new WrongExpectedVersionError(p.streamId, p.expected, BigInt(last.error_detail ?? '0')));
        case 'ES410':
          return p.reject(new EventIdConflictError(p.streamId, `event id ${last.error_detail} is stored, but not as this append`));
        case '40001':
          // A newer transaction appended to this stream first: the append goes again, first in line.
          if (p.retriesLeft-- > 0) return void this.waiting.unshift(p);
          return p.reject(Object.assign(new Error(`stream ${p.streamId} was appended by a newer transaction; retry`), { code: '40001' }));
        default:
          return p.reject(new Error(`es.append_many: unknown answer ${last.error_code} for stream ${p.streamId}`));
      }
    });
    this.notifier.done(carried, wrote);
  }
}

/**
 * The statement for a batch: `es.append_many`, and the writes of its appends that have them (all of
 * one name) over the rows of those that wrote events; `notify`: it wakes subscribers at its commit.
 */
function manyStatement(batch: readonly Pending[], notify: boolean): { name: string; text: string; values: unknown[] } {
  const appends = [
    batch.map((p) => p.streamId),
    batch.map((p) => p.code.toString()),
    batch.map((p) => p.ids.length),
    `{${batch.map((p) => p.ids.join(',')).join(',')}}`,
    `[${batch.map((p) => p.events).join(',')}]`,
  ];
  const call = 'es.append_many($1::text[], $2::bigint[], $3::int[], $4::uuid[], $5::json)';
  const writes = batch.find((p) => p.writes)?.writes;
  const [suffix, filter] = notify ? ['+notify', ` WHERE ${NOTIFY_AT_COMMIT}`] : ['', ''];
  if (!writes) return { name: `es_append_many${suffix}`, text: `SELECT * FROM ${call}${filter}`, values: appends };
  // Each row names its append's slot (1-based): the plain appends of the batch have none.
  const rows = batch.flatMap((p, i) => (p.writes ? [`{"slot":${i + 1},"w":${JSON.stringify(p.writes.row)}}`] : []));
  return {
    name: `es_append_many+${writes.name}${suffix}`,
    text: `WITH appended AS (SELECT * FROM ${call}),
      writes AS (SELECT (x.r->>'slot')::int AS slot, x.r->'w' AS w FROM jsonb_array_elements($6::jsonb) AS x(r)
                  WHERE (x.r->>'slot')::int IN (SELECT a.slot FROM appended a WHERE a.error_code IS NULL AND NOT a.already_stored)),
      ${writes.ctes}
      SELECT * FROM appended${filter}`,
    values: [...appends, `[${rows.join(',')}]`],
  };
}

interface PgError {
  code?: string;
  constraint?: string;
  message: string;
}

/** Why an append sent alone with its writes failed as a whole, as `EventStore` names it. */
function aloneError(p: Pending, err: unknown): unknown {
  const e = err as PgError;
  if (e.code === '23505' && e.constraint === 'event_ids_pkey') return new EventIdConflictError(p.streamId, 'an event id of this append is already stored elsewhere');
  return err;
}
