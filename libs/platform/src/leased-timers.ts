import type { Pool } from 'pg';

export interface DueTimer<K extends string> {
  readonly outcome_id: string;
  readonly kind: K;
  /** The lease: deleting the timer names it, so a timer the work set again meanwhile stays. */
  readonly due_at: Date;
}

/**
 * Durable timers in a table `(outcome_id, kind, due_at)`, written with the events that set them.
 * Due ones are claimed with a 30-second lease, committed at once (no transaction stays open while
 * the work runs); a copy that dies mid-work leaves the lease to expire, and another copy claims the
 * timer again. `table` is a schema-qualified name from code, never from input.
 */
export class LeasedTimers<K extends string> {
  constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  async claimDue(limit = 50): Promise<Array<DueTimer<K>>> {
    const { rows } = await this.pool.query<DueTimer<K>>(
      `UPDATE ${this.table} t SET due_at = now() + interval '30 seconds'
         FROM (SELECT outcome_id, kind FROM ${this.table} WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
        WHERE t.outcome_id = due.outcome_id AND t.kind = due.kind
        RETURNING t.outcome_id, t.kind, t.due_at`,
      [limit],
    );
    return rows;
  }

  /** Done with a claimed timer: only the leased row goes (the work may have set a new one of the same kind). */
  async done(t: DueTimer<K>): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE outcome_id = $1 AND kind = $2 AND due_at = $3`, [t.outcome_id, t.kind, t.due_at]);
  }
}
