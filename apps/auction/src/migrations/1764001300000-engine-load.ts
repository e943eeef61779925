import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many outcomes each engine is running, kept by the statement that changes an outcome's
 * status: the auction's capacity check reads one row per engine instead of counting every
 * running outcome (which grew with the backlog).
 */
export class EngineLoad1764001300000 implements MigrationInterface {
  readonly name = 'EngineLoad1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE auction.engine_load (engine_id text PRIMARY KEY, running int NOT NULL)`);
    await q.query(`INSERT INTO auction.engine_load (engine_id, running) SELECT engine_id, count(*) FROM auction.outcomes WHERE status = 'running' AND engine_id IS NOT NULL GROUP BY engine_id`);
    // Only the count read it; every outcome change paid to keep it.
    await q.query(`DROP INDEX auction.outcomes_running_by_engine`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outcomes_running_by_engine ON auction.outcomes (engine_id) WHERE status = 'running'`);
    await q.query(`DROP TABLE auction.engine_load`);
  }
}
