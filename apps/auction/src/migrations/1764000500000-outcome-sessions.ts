import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The session of each outcome (a turn), so conversions reported on a session find its turns. */
export class OutcomeSessions1764000500000 implements MigrationInterface {
  readonly name = 'OutcomeSessions1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE auction.outcomes ADD COLUMN session_id text`);
    await q.query(`UPDATE auction.outcomes SET session_id = state->'request'->>'sessionId' WHERE state->'request' ? 'sessionId'`);
    await q.query(`CREATE INDEX outcomes_by_session ON auction.outcomes (session_id) WHERE session_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE auction.outcomes DROP COLUMN session_id`);
  }
}
