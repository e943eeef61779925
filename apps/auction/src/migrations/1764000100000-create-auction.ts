import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outcomes as the buyer and the capacity filter read them, written with the outcome's events. */
export class CreateAuction1764000100000 implements MigrationInterface {
  readonly name = 'CreateAuction1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS auction`);
    await q.query(`
      CREATE TABLE auction.outcomes (
        outcome_id text PRIMARY KEY,
        buyer_id   text NOT NULL,
        status     text NOT NULL,
        engine_id  text,
        version    int  NOT NULL,
        state      jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX outcomes_running_by_engine ON auction.outcomes (engine_id) WHERE status = 'running'`);
    await q.query(`CREATE INDEX outcomes_by_buyer ON auction.outcomes (buyer_id, outcome_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA auction CASCADE`);
  }
}
