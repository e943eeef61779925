import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Hand-offs become durable timers too: a delivery round is due with the escalation and again after each failed round. */
export class HandoffTimers1764000400000 implements MigrationInterface {
  readonly name = 'HandoffTimers1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE auction.timers DROP CONSTRAINT IF EXISTS timers_kind_check`);
    await q.query(`ALTER TABLE auction.timers ADD CONSTRAINT timers_kind_check CHECK (kind IN ('auction', 'max_latency', 'deadline', 'handoff'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM auction.timers WHERE kind = 'handoff'`);
    await q.query(`ALTER TABLE auction.timers DROP CONSTRAINT timers_kind_check`);
    await q.query(`ALTER TABLE auction.timers ADD CONSTRAINT timers_kind_check CHECK (kind IN ('auction', 'max_latency', 'deadline'))`);
  }
}
