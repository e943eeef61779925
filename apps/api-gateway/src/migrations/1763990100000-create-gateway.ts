import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The gateway keeps no domain state: only the answers it owes to retried requests. */
export class CreateGateway1763990100000 implements MigrationInterface {
  readonly name = 'CreateGateway1763990100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await q.query(`
      CREATE TABLE gateway.idempotency_keys (
        principal       text NOT NULL,
        key             text NOT NULL,
        request_hash    text NOT NULL,
        status          text NOT NULL CHECK (status IN ('in_progress', 'done')),
        response_status int,
        response_body   jsonb,
        created_at      timestamptz NOT NULL,
        PRIMARY KEY (principal, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_by_age ON gateway.idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA gateway CASCADE`);
  }
}
