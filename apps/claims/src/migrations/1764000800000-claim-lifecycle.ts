import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Claims as the dashboard and the API read them, their numbers (CLM-000123), and evidence files with their SHA-256. */
export class ClaimLifecycle1764000800000 implements MigrationInterface {
  readonly name = 'ClaimLifecycle1764000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE claims.claim_number`);
    await q.query(`
      CREATE TABLE claims.claims (
        claim_id         text PRIMARY KEY,
        number           bigint NOT NULL UNIQUE,
        outcome_id       text NOT NULL,
        buyer_id         text NOT NULL,
        engine_id        text NOT NULL,
        status           text NOT NULL,
        requested_micros bigint NOT NULL,
        approved_micros  bigint,
        paid_micros      bigint NOT NULL DEFAULT 0,
        state            jsonb NOT NULL,
        filed_at         timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX claims_by_outcome ON claims.claims (outcome_id)`);
    await q.query(`CREATE INDEX claims_by_buyer ON claims.claims (buyer_id, filed_at DESC)`);
    await q.query(`
      CREATE TABLE claims.evidence_files (
        evidence_id  text PRIMARY KEY,
        claim_id     text NOT NULL,
        sha256       text NOT NULL,
        content_type text NOT NULL,
        size_bytes   int  NOT NULL,
        bytes        bytea NOT NULL,
        uploaded_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claims.evidence_files, claims.claims`);
    await q.query(`DROP SEQUENCE claims.claim_number`);
  }
}
