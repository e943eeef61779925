import type { Pool, PoolClient } from 'pg';
import { Client } from 'pg';
import type { EventStore } from './event-store';
import { APPENDED_CHANNEL } from './notifier';
import { MAX_COMMIT_EVENTS } from './rows';
import { checkpointOf, START, type Checkpoint, type RecordedEvent } from './types';

export interface SubscriptionOptions {
  /** Durable name: the checkpoint is kept under it in es.subscriptions. */
  readonly name: string;
  /** Only streams of this category; all events when absent. */
  readonly category?: string;
  readonly batchSize?: number;
  /** Fallback polling when no wake-up arrives (and while an open transaction holds events back). */
  readonly pollIntervalMs?: number;
  /** Delay before re-running a batch whose handler threw (doubles up to 30 s). */
  readonly retryDelayMs?: number;
  readonly onError?: (err: unknown) => void;
}

export interface BatchHandler {
  /** At-least-once: a batch is re-delivered if the process dies before its checkpoint is saved. */
  (events: readonly RecordedEvent[]): Promise<void>;
}

export interface TransactionalBatchHandler {
  /** Runs in the transaction that saves the checkpoint: effects in PostgreSQL apply exactly once. */
  (events: readonly RecordedEvent[], tx: PoolClient): Promise<void>;
}

type Handler = { kind: 'plain'; fn: BatchHandler } | { kind: 'transactional'; fn: TransactionalBatchHandler };

/**
 * A named, durable reader of the global order (or of one category). Only one process runs a given
 * name at a time, decided by a session advisory lock; other copies wait as hot standbys and take
 * over when the holder's connection dies.
 */
export class Subscription {
  private stopping = false;
  private running: Promise<void> | undefined;
  private listener: Client | undefined;
  private wake: (() => void) | undefined;
  private checkpoint: Checkpoint = START;
  private active = false;
  private woken = false;
  private eagerPolls = 0;
  /** Set when the session holding the leader lock ends: the lock is gone, so must the delivering. */
  private sessionLost = false;

  constructor(
    private readonly store: EventStore,
    private readonly connectionString: string,
    private readonly options: SubscriptionOptions,
    private readonly handler: Handler,
  ) {}

  get position(): Checkpoint {
    return this.checkpoint;
  }

  /** True while this process holds the subscription's lock and delivers events. */
  get isActive(): boolean {
    return this.active;
  }

  start(): this {
    this.running ??= this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.connectAndLead();
        if (this.active) await this.deliverLoop();
      } catch (err) {
        this.options.onError?.(err);
        await this.sleep(this.options.retryDelayMs ?? 500);
      } finally {
        this.active = false;
        await this.listener?.end().catch(() => undefined);
        this.listener = undefined;
      }
    }
  }

  private async connectAndLead(): Promise<void> {
    // Named, so an operator sees in pg_stat_activity which session holds which subscription.
    const client = new Client({ connectionString: this.connectionString, application_name: `subscription:${this.options.name}` });
    this.sessionLost = false;
    const lost = (): void => {
      this.sessionLost = true;
      this.wake?.();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    this.listener = client;
    client.on('notification', () => {
      this.woken = true;
      // The new events may be held back for a moment by an older transaction still open:
      // look again soon a few times instead of waiting a whole poll interval.
      this.eagerPolls = 40;
      this.wake?.();
    });
    while (!this.stopping) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`subscription:${this.options.name}`]);
      if (rows[0]?.ok) break;
      await this.sleep(this.options.pollIntervalMs ?? 250);
    }
    if (this.stopping) return;
    await client.query(`LISTEN ${APPENDED_CHANNEL}`);
    this.checkpoint = await this.loadCheckpoint();
    this.active = true;
  }

  private async deliverLoop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let failures = 0;
    while (!this.stopping && this.listener && !this.sessionLost) {
      const events = this.options.category
        ? await this.store.readCategory(this.options.category, this.checkpoint, batchSize)
        : await this.store.readAll(this.checkpoint, batchSize);
      if (events.length === 0) {
        const poll = this.options.pollIntervalMs ?? 250;
        await this.sleep(this.eagerPolls-- > 0 ? Math.min(25, poll) : poll);
        continue;
      }
      try {
        await this.deliver(events);
        failures = 0;
      } catch (err) {
        this.options.onError?.(err);
        failures++;
        await this.sleep(Math.min(30_000, (this.options.retryDelayMs ?? 500) * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  private async deliver(events: readonly RecordedEvent[]): Promise<void> {
    const next = checkpointOf(events[events.length - 1]!);
    if (this.handler.kind === 'plain') {
      await this.handler.fn(events);
      await this.saveCheckpoint(this.store.pool, next);
    } else {
      const tx = await this.store.pool.connect();
      try {
        await tx.query('BEGIN');
        await this.handler.fn(events, tx);
        await this.saveCheckpoint(tx, next);
        await tx.query('COMMIT');
      } catch (err) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        tx.release();
      }
    }
    this.checkpoint = next;
  }

  private async loadCheckpoint(): Promise<Checkpoint> {
    const { rows } = await this.store.pool.query<{ transaction_id: string; position: string }>(
      `INSERT INTO es.subscriptions (name) VALUES ($1)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING transaction_id, position`,
      [this.options.name],
    );
    const r = rows[0]!;
    return { transactionId: BigInt(r.transaction_id), position: BigInt(r.position) };
  }

  private async saveCheckpoint(db: Pool | PoolClient, c: Checkpoint): Promise<void> {
    await db.query('UPDATE es.subscriptions SET transaction_id = $2::xid8, position = $3, updated_at = now() WHERE name = $1', [
      this.options.name,
      c.transactionId.toString(),
      c.position.toString(),
    ]);
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

export const subscribe = (store: EventStore, connectionString: string, options: SubscriptionOptions, handler: BatchHandler): Subscription =>
  new Subscription(store, connectionString, options, { kind: 'plain', fn: handler }).start();

export const subscribeTransactional = (
  store: EventStore,
  connectionString: string,
  options: SubscriptionOptions,
  handler: TransactionalBatchHandler,
): Subscription => new Subscription(store, connectionString, options, { kind: 'transactional', fn: handler }).start();

/** Where a named subscription stands, and how many deliverable events are ahead of it. */
export async function subscriptionLag(store: EventStore, name: string): Promise<{ checkpoint: Checkpoint; behind: number }> {
  const { rows } = await store.pool.query<{ transaction_id: string; position: string; behind: string }>(
    `SELECT s.transaction_id, s.position,
            (SELECT coalesce(sum(CASE WHEN c.transaction_id = s.transaction_id AND c.position <= s.position
                                      THEN c.position + c.count - 1 - s.position ELSE c.count END), 0)
               FROM es.commits c
              WHERE (c.transaction_id, c.position) > (s.transaction_id, s.position - ${MAX_COMMIT_EVENTS})
                AND (c.transaction_id, c.position + c.count - 1) > (s.transaction_id, s.position)) AS behind
       FROM es.subscriptions s WHERE s.name = $1`,
    [name],
  );
  const r = rows[0];
  if (!r) return { checkpoint: START, behind: 0 };
  return { checkpoint: { transactionId: BigInt(r.transaction_id), position: BigInt(r.position) }, behind: Number(r.behind) };
}
