import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The engine registry's read model, written in the same transaction as the engine's events. */
export class CreateEngines1764000000000 implements MigrationInterface {
  readonly name = 'CreateEngines1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS engines`);
    await q.query(`
      CREATE TABLE engines.engines (
        engine_id  text PRIMARY KEY,
        name       text NOT NULL UNIQUE,
        status     text NOT NULL,
        version    int  NOT NULL,
        state      jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA engines CASCADE`);
  }
}
