import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Engine feedback rounds: how far in the event store the last round counted. Copies of the
 * optimizer claim a round by moving the cursor, so each round is sent once.
 */
export class FeedbackCursor1764001200000 implements MigrationInterface {
  readonly name = 'FeedbackCursor1764001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE optimizer.feedback_rounds (name text PRIMARY KEY, checkpoint text NOT NULL, sent_at timestamptz NOT NULL)`);
    await q.query(`INSERT INTO optimizer.feedback_rounds (name, checkpoint, sent_at) VALUES ('engines', '0:0', now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE optimizer.feedback_rounds`);
  }
}
