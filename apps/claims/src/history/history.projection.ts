import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { subscribeTransactional, subscriptionLag, type RecordedEvent, type Subscription } from '@outcomes/event-store';
import { withTransaction, type ServiceRuntime } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import { RUNTIME } from '../tokens';

/** The subscription of one generation of the history: a rebuild starts the next under a new name. */
export const historySubscription = (generation: number) => `claims-outcome-history-g${generation}`;

class StaleGeneration extends Error {}

/** The outcome's request, as a line a person reads in a table. */
export const describe = (input: unknown): string => {
  const text = typeof input === 'string' ? input : JSON.stringify(input ?? '');
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
};

type D = Record<string, unknown> & { readonly outcomeId?: string; readonly at?: string };

/** One event's change to the history, as SQL on the transaction that also moves the checkpoint. */
async function apply(tx: PoolClient, e: RecordedEvent): Promise<void> {
  const d = e.data as D;
  switch (e.type) {
    case 'OutcomeRequested':
      await tx.query(
        `INSERT INTO claims.outcome_history (outcome_id, buyer_id, config_id, outcome_type, description, outcome_status, created_at) VALUES ($1, $2, $3, $4, $5, 'auctioning', $6)
         ON CONFLICT (outcome_id) DO NOTHING`,
        [d.outcomeId, d['buyerId'], d['configId'], d['outcomeType'], describe(d['input']), d.at],
      );
      return;
    case 'OutcomeAwarded':
      await tx.query(`UPDATE claims.outcome_history SET outcome_status = 'running', engine_id = $2, price_micros = $3 WHERE outcome_id = $1`, [d.outcomeId, d['engineId'], d['clearingPriceMicros']]);
      return;
    case 'ExecutionTimedOut':
      await tx.query(`UPDATE claims.outcome_history SET outcome_status = 'auctioning', engine_id = NULL, price_micros = NULL WHERE outcome_id = $1`, [d.outcomeId]);
      return;
    case 'OutcomeCompleted':
    case 'OutcomeEscalated':
    case 'OutcomeFailed': {
      const status = e.type === 'OutcomeCompleted' ? 'completed' : e.type === 'OutcomeEscalated' ? 'escalated' : 'failed';
      await tx.query(`UPDATE claims.outcome_history SET outcome_status = $2, ended_at = $3 WHERE outcome_id = $1`, [d.outcomeId, status, d.at]);
      return;
    }
    case 'OutcomeCharged':
      await tx.query(`UPDATE claims.outcome_history SET cost_micros = cost_micros + $2 WHERE outcome_id = $1`, [d.outcomeId, d['amountMicros']]);
      return;
    case 'OutcomeRefunded':
      await tx.query(`UPDATE claims.outcome_history SET cost_micros = cost_micros - $2 WHERE outcome_id = $1`, [d.outcomeId, d['amountMicros']]);
      return;
    case 'ClaimFiled': {
      const basis = d['basis'] as { outcomeId: string };
      // One claim shows per outcome: a new one replaces only a claim that came to nothing.
      await tx.query(
        `UPDATE claims.outcome_history SET claim_id = $2, claim_status = 'filed', claim_micros = $3 WHERE outcome_id = $1 AND (claim_id IS NULL OR claim_status IN ('withdrawn', 'denied'))`,
        [basis.outcomeId, d['claimId'], d['requestedMicros']],
      );
      return;
    }
    case 'ClaimReviewStarted':
      await tx.query(`UPDATE claims.outcome_history SET claim_status = 'under_review' WHERE claim_id = $1`, [d['claimId']]);
      return;
    case 'ClaimDecided':
      await tx.query(`UPDATE claims.outcome_history SET claim_status = $2, claim_micros = $3 WHERE claim_id = $1`, [d['claimId'], d['decision'], d['approvedMicros']]);
      return;
    case 'ClaimPaid':
      await tx.query(`UPDATE claims.outcome_history SET claim_status = 'paid', claim_micros = $2 WHERE claim_id = $1`, [d['claimId'], d['amountMicros']]);
      return;
    case 'ClaimWithdrawn':
      await tx.query(`UPDATE claims.outcome_history SET claim_status = 'withdrawn' WHERE claim_id = $1`, [d['claimId']]);
      return;
    default:
      return;
  }
}

export interface HistoryRow {
  readonly outcome_id: string;
  readonly outcome_type: string;
  readonly description: string;
  readonly status: string;
  readonly cost_micros: number;
  readonly duration_ms: number | null;
  readonly engine_id: string | null;
  readonly claim_id: string | null;
  readonly claim_status: string | null;
  readonly claim_micros: number | null;
  readonly created_at: Date;
}

/** The status a person sees: an open or paid claim shows over the outcome's own status. */
const STATUS = `CASE WHEN claim_status IN ('filed', 'under_review') THEN 'claim_filed' WHEN claim_status IN ('approved', 'partially_approved', 'paid') THEN 'claim_paid' ELSE outcome_status END`;

/**
 * The outcome history and results the dashboard reads, projected from the event store by a durable
 * subscription (its checkpoint moves in the transaction of its writes, so each event applies once),
 * and rebuilt from the first event with one command.
 */
@Injectable()
export class HistoryProjection implements OnModuleInit, OnModuleDestroy {
  private sub?: Subscription;
  private generation = 0;
  private restarting?: Promise<void>;

  constructor(@Inject(RUNTIME) private readonly rt: ServiceRuntime) {}

  async onModuleInit(): Promise<void> {
    await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.stop();
  }

  private async start(): Promise<void> {
    const { rows } = await this.rt.pool.query<{ generation: number }>(`SELECT generation FROM claims.projections WHERE name = 'outcome_history'`);
    this.generation = rows[0]!.generation;
    const generation = this.generation;
    this.sub = subscribeTransactional(
      this.rt.store,
      this.rt.config.databaseUrl,
      {
        name: historySubscription(generation),
        batchSize: 500,
        pollIntervalMs: 500,
        onError: (err) => (err instanceof StaleGeneration ? undefined : this.rt.logger.error({ err: String(err) }, 'outcome history projection failed')),
      },
      async (events, tx) => {
        // A rebuild elsewhere started a newer generation: this one stops writing and this copy follows it.
        const current = await tx.query<{ generation: number }>(`SELECT generation FROM claims.projections WHERE name = 'outcome_history' FOR SHARE`);
        if (current.rows[0]!.generation !== generation) {
          void this.restart();
          throw new StaleGeneration(`generation ${generation} was replaced`);
        }
        for (const e of events) await apply(tx, e);
      },
    );
  }

  private restart(): Promise<void> {
    this.restarting ??= (async () => {
      await this.sub?.stop();
      await this.start();
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  /**
   * Empties the history and starts its next generation, which replays every event from the first
   * under a subscription of its own. Answers at once: `progress()` shows how far the replay is.
   */
  async rebuild(): Promise<{ rows: number; behind: number; generation: number }> {
    await withTransaction(this.rt.pool, async (tx) => {
      // Waits for a batch in flight (it holds the row FOR SHARE), so none lands in the emptied table.
      const { rows } = await tx.query<{ generation: number }>(`UPDATE claims.projections SET generation = generation + 1 WHERE name = 'outcome_history' RETURNING generation`);
      await tx.query(`TRUNCATE claims.outcome_history`);
      await tx.query(`DELETE FROM es.subscriptions WHERE name LIKE 'claims-outcome-history-g%' AND name <> $1`, [historySubscription(rows[0]!.generation)]);
    });
    await this.restart();
    return this.progress();
  }

  /** Rows in the history, and events in the store the current generation has yet to read. */
  async progress(): Promise<{ rows: number; behind: number; generation: number }> {
    const { rows: g } = await this.rt.pool.query<{ generation: number }>(`SELECT generation FROM claims.projections WHERE name = 'outcome_history'`);
    const name = historySubscription(g[0]!.generation);
    const { rows: known } = await this.rt.pool.query(`SELECT 1 FROM es.subscriptions WHERE name = $1`, [name]);
    const { rows: all } = await this.rt.pool.query<{ n: string }>(`SELECT coalesce(sum(count), 0) AS n FROM es.commits`);
    // Before its first checkpoint the new generation is behind by every event.
    const behind = known.length === 0 ? Number(all[0]!.n) : (await subscriptionLag(this.rt.store, name)).behind;
    const { rows } = await this.rt.pool.query<{ n: string }>(`SELECT count(*) AS n FROM claims.outcome_history`);
    return { rows: Number(rows[0]!.n), behind, generation: g[0]!.generation };
  }

  async history(
    buyerId: string,
    filter: { type?: string | undefined; status?: string | undefined; from?: string | undefined; to?: string | undefined },
    limit: number,
    after: { createdAt: string; outcomeId: string } | null,
  ): Promise<{ rows: HistoryRow[]; hasMore: boolean }> {
    const { rows } = await this.rt.pool.query<HistoryRow & { cost_micros: string; claim_micros: string | null }>(
      `SELECT outcome_id, outcome_type, description, ${STATUS} AS status, cost_micros, engine_id, claim_id, claim_status, claim_micros, created_at,
              (extract(epoch FROM ended_at - created_at) * 1000)::bigint AS duration_ms
         FROM claims.outcome_history
        WHERE buyer_id = $1 AND ($2::text IS NULL OR outcome_type = $2) AND ($3::text IS NULL OR ${STATUS} = $3)
          AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
          AND ($6::timestamptz IS NULL OR (created_at, outcome_id) < ($6, $7))
        ORDER BY created_at DESC, outcome_id DESC LIMIT $8`,
      [buyerId, filter.type ?? null, filter.status ?? null, filter.from ?? null, filter.to ?? null, after?.createdAt ?? null, after?.outcomeId ?? null, limit + 1],
    );
    return {
      rows: rows.slice(0, limit).map((r) => ({ ...r, cost_micros: Number(r.cost_micros), claim_micros: r.claim_micros === null ? null : Number(r.claim_micros), duration_ms: r.duration_ms === null ? null : Number(r.duration_ms) })),
      hasMore: rows.length > limit,
    };
  }

  /** Per outcome type: how outcomes ended, claims, success rate and cost per success. */
  async results(buyerId: string, from: string | null): Promise<Array<Record<string, number | string | null>>> {
    const { rows } = await this.rt.pool.query<{ outcome_type: string; outcomes: string; completed: string; escalated: string; failed: string; claims: string; spend: string }>(
      `SELECT outcome_type, count(*) AS outcomes, count(*) FILTER (WHERE outcome_status = 'completed') AS completed, count(*) FILTER (WHERE outcome_status = 'escalated') AS escalated,
              count(*) FILTER (WHERE outcome_status = 'failed') AS failed, count(claim_id) AS claims, coalesce(sum(cost_micros), 0) AS spend
         FROM claims.outcome_history WHERE buyer_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) GROUP BY outcome_type ORDER BY outcome_type`,
      [buyerId, from],
    );
    return rows.map((r) => {
      const completed = Number(r.completed);
      const ended = completed + Number(r.escalated) + Number(r.failed);
      return {
        outcome_type: r.outcome_type,
        outcomes: Number(r.outcomes),
        successes: completed,
        escalations: Number(r.escalated),
        failures: Number(r.failed),
        claims: Number(r.claims),
        success_rate: ended === 0 ? null : Math.round((completed / ended) * 10_000) / 10_000,
        spend_micros: Number(r.spend),
        cost_per_success_micros: completed === 0 ? null : Math.round(Number(r.spend) / completed),
      };
    });
  }
}
