import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bus's own tables, in schema `bus` of the service's database.
 *
 * `dead_letters`: events a consumer gave up on, kept until replayed. At most one open row per
 * (consumer, event): a parked message whose `term` was lost comes back and must not park twice.
 * `applied`: the (consumer, event) pairs a handler has applied, written in the handler's own
 * transaction so that its effects and the marker commit together (see applyOnce).
 */
export class CreateBus1763900000000 implements MigrationInterface {
  readonly name = 'CreateBus1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS bus`);
    await q.query(`
      CREATE TABLE bus.dead_letters (
        id          bigserial   PRIMARY KEY,
        consumer    text        NOT NULL,
        event_id    uuid,
        subject     text        NOT NULL,
        envelope    jsonb       NOT NULL,
        error       text        NOT NULL,
        attempts    int         NOT NULL,
        parked_at   timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX dead_letters_open_key ON bus.dead_letters (consumer, event_id) WHERE replayed_at IS NULL`);
    await q.query(`CREATE INDEX dead_letters_consumer ON bus.dead_letters (consumer, id)`);
    await q.query(`
      CREATE TABLE bus.applied (
        consumer   text        NOT NULL,
        event_id   uuid        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT applied_pkey PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bus.applied`);
    await q.query(`DROP TABLE bus.dead_letters`);
  }
}
