import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The catalog's read model: the latest published version of each outcome type. */
export class CreateCatalog1763900100000 implements MigrationInterface {
  readonly name = 'CreateCatalog1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS catalog`);
    await q.query(`
      CREATE TABLE catalog.outcome_types (
        key          text PRIMARY KEY,
        version      int  NOT NULL,
        name         text NOT NULL,
        description  text NOT NULL,
        verification text NOT NULL,
        published_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA catalog CASCADE`);
  }
}
