import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The optimizer's snapshots: its estimates as of a checkpoint of the event store, so a start replays only what came after. */
export class CreateOptimizer1764001100000 implements MigrationInterface {
  readonly name = 'CreateOptimizer1764001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS optimizer`);
    await q.query(`CREATE TABLE optimizer.snapshots (name text PRIMARY KEY, checkpoint text NOT NULL, facts bigint NOT NULL, state jsonb NOT NULL, taken_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA optimizer CASCADE`);
  }
}
