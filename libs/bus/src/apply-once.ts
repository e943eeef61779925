import type { Pool, PoolClient } from 'pg';

export type ApplyResult<T> = { readonly applied: true; readonly value: T } | { readonly applied: false };

/**
 * Runs `fn` at most once per (consumer, event): in one transaction, it first claims the pair in
 * `bus.applied`, then runs `fn` with the same client, and commits both together. A redelivered
 * event finds the claim and is skipped; a crash before COMMIT leaves neither the effects nor the
 * claim, so the redelivery applies it. Two copies racing on the same event serialize on the
 * primary key: the second waits for the first to commit (then skips) or roll back (then applies).
 *
 * Keep `fn` to PostgreSQL work on `tx`: effects elsewhere (HTTP, NATS) are not undone by a
 * rollback and need their own idempotency.
 */
export async function applyOnce<T>(pool: Pool, consumer: string, eventId: string, fn: (tx: PoolClient) => Promise<T>): Promise<ApplyResult<T>> {
  const tx = await pool.connect();
  let broken = false;
  try {
    await tx.query('BEGIN');
    const claim = await tx.query('INSERT INTO bus.applied (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, eventId]);
    if (claim.rowCount === 0) {
      await tx.query('ROLLBACK');
      return { applied: false };
    }
    const value = await fn(tx);
    await tx.query('COMMIT');
    return { applied: true, value };
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => {
      broken = true; // a connection that cannot roll back must not go back to the pool
    });
    throw err;
  } finally {
    tx.release(broken);
  }
}
