import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots: a stream's state as its writer folded it, at a version, so a long stream (a hot
 * budget's) is not read from its first event each time a process starts. A cache of the events,
 * never a source of truth: rows are replaced by later ones, and deleting any of them loses nothing
 * but time. The state is stored as the writer compressed it (gzip), so PostgreSQL neither parses it
 * nor compresses it again.
 */
export class Snapshots1765200000000 implements MigrationInterface {
  readonly name = 'Snapshots1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es.snapshots (
        stream_id text        PRIMARY KEY,
        version   bigint      NOT NULL CHECK (version > 0),
        state     bytea       NOT NULL,
        taken_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE es.snapshots ALTER COLUMN state SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE es.snapshots`);
  }
}
