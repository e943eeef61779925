import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots stored as gzip-compressed JSON (`state_gz`, bytea, not compressed again by PostgreSQL)
 * instead of jsonb: the state grows with the outcomes remembered for late feedback (tens of MB at
 * a minute of 1,000 outcomes/s), and PostgreSQL parsing and TOASTing that much jsonb took most of
 * a second of a core at every snapshot. Snapshots already stored as jsonb are still read.
 */
export class CompressedSnapshots1764001500000 implements MigrationInterface {
  readonly name = 'CompressedSnapshots1764001500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE optimizer.snapshots ADD COLUMN state_gz bytea, ALTER COLUMN state DROP NOT NULL`);
    await q.query(`ALTER TABLE optimizer.snapshots ALTER COLUMN state_gz SET STORAGE EXTERNAL`);
    await q.query(`ALTER TABLE optimizer.snapshots ADD CONSTRAINT snapshots_state_present CHECK (state IS NOT NULL OR state_gz IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM optimizer.snapshots WHERE state IS NULL`);
    await q.query(`ALTER TABLE optimizer.snapshots DROP CONSTRAINT snapshots_state_present, DROP COLUMN state_gz, ALTER COLUMN state SET NOT NULL`);
  }
}
