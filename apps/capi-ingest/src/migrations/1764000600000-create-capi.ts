import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every conversion a buyer reported, by the buyer's own event id: the key that makes a repeat a
 * no-op (written in the transaction of the event's append), and what `GET /v1/events/{id}` reads.
 */
export class CreateCapi1764000600000 implements MigrationInterface {
  readonly name = 'CreateCapi1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS capi`);
    await q.query(`
      CREATE TABLE capi.events (
        buyer_id     text NOT NULL,
        event_id     text NOT NULL,
        event_type   text NOT NULL,
        outcome_ids  text[] NOT NULL,
        session_id   text,
        test         boolean NOT NULL,
        received_at  timestamptz NOT NULL,
        status       text NOT NULL DEFAULT 'accepted',
        processed_at timestamptz,
        actions      jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (buyer_id, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA capi CASCADE`);
  }
}
