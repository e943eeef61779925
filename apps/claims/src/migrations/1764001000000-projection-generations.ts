import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each rebuild of a projection starts a new generation, read by a subscription of its own name. */
export class ProjectionGenerations1764001000000 implements MigrationInterface {
  readonly name = 'ProjectionGenerations1764001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE claims.projections (name text PRIMARY KEY, generation int NOT NULL)`);
    await q.query(`INSERT INTO claims.projections (name, generation) VALUES ('outcome_history', 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claims.projections`);
  }
}
