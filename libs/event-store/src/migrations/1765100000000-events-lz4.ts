import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events' `data` and `metadata` compressed with lz4 where the server has it (PostgreSQL 14 and
 * later built with lz4; otherwise they stay on pglz). An event's JSON over about 2 kB is compressed
 * as it is stored: an auction's close, with every bid, is 2.7 kB, and pglz was the largest single
 * symbol of the database's CPU in the auction benchmark (3.4%). lz4 compresses several times
 * faster, and decompresses faster for every reader. Stored values keep their method.
 */
export class EventsLz41765100000000 implements MigrationInterface {
  readonly name = 'EventsLz41765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE es.events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this server has no lz4: events stay compressed with pglz';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE es.events ALTER COLUMN data SET COMPRESSION DEFAULT, ALTER COLUMN metadata SET COMPRESSION DEFAULT`);
  }
}
