import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement's read models, written in the transaction of each settlement's events: the ledger
 * (one row per line; balances are sums), each outcome's settlement, and the durable timers that
 * close attribution and claim windows.
 */
export class CreateClaims1764000700000 implements MigrationInterface {
  readonly name = 'CreateClaims1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS claims`);
    await q.query(`
      CREATE TABLE claims.ledger_lines (
        line_id      bigserial PRIMARY KEY,
        outcome_id   text NOT NULL,
        buyer_id     text NOT NULL,
        outcome_type text NOT NULL,
        account      text NOT NULL,
        side         text NOT NULL CHECK (side IN ('debit', 'credit')),
        micros       bigint NOT NULL CHECK (micros >= 0),
        kind         text NOT NULL,
        cause_kind   text,
        cause_ref    text,
        at           timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ledger_by_account ON claims.ledger_lines (account)`);
    await q.query(`CREATE INDEX ledger_by_buyer ON claims.ledger_lines (buyer_id, at)`);
    await q.query(`
      CREATE TABLE claims.settlements (
        outcome_id   text PRIMARY KEY,
        buyer_id     text NOT NULL,
        engine_id    text NOT NULL,
        config_id    text NOT NULL,
        outcome_type text NOT NULL,
        model        text NOT NULL,
        status       text NOT NULL,
        state        jsonb NOT NULL,
        updated_at   timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE claims.timers (
        outcome_id text NOT NULL,
        kind       text NOT NULL CHECK (kind IN ('attribution', 'claim_window')),
        due_at     timestamptz NOT NULL,
        PRIMARY KEY (outcome_id, kind)
      )`);
    await q.query(`CREATE INDEX claims_timers_due ON claims.timers (due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA claims CASCADE`);
  }
}
