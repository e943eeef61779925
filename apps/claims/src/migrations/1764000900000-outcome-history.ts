import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's outcome history: one row per outcome, folded from the outcome, settlement and
 * claim events by a durable subscription on the event store (and rebuilt from it on demand).
 */
export class OutcomeHistory1764000900000 implements MigrationInterface {
  readonly name = 'OutcomeHistory1764000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE claims.outcome_history (
        outcome_id     text PRIMARY KEY,
        buyer_id       text NOT NULL,
        config_id      text NOT NULL,
        outcome_type   text NOT NULL,
        description    text NOT NULL,
        outcome_status text NOT NULL,
        engine_id      text,
        price_micros   bigint,
        cost_micros    bigint NOT NULL DEFAULT 0,
        claim_id       text,
        claim_status   text,
        claim_micros   bigint,
        created_at     timestamptz NOT NULL,
        ended_at       timestamptz
      )`);
    await q.query(`CREATE INDEX outcome_history_by_buyer ON claims.outcome_history (buyer_id, created_at DESC, outcome_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claims.outcome_history`);
  }
}
