import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuctionTimers1764000200000 implements MigrationInterface {
  readonly name = 'AuctionTimers1764000200000';

  async up(q: QueryRunner): Promise<void> {
    // Durable timers: written with the events that set them, claimed by a lease so any copy of the
    // service fires them once it is due, even after the copy that set them died.
    await q.query(`
      CREATE TABLE auction.timers (
        outcome_id text NOT NULL,
        kind       text NOT NULL CHECK (kind IN ('auction', 'max_latency', 'deadline')),
        due_at     timestamptz NOT NULL,
        PRIMARY KEY (outcome_id, kind)
      )`);
    await q.query(`CREATE INDEX timers_due ON auction.timers (due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auction.timers`);
  }
}
