import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `es.append_many` plans its statements once per session. Its statements take arrays built from
 * the call's argument, and PostgreSQL's plan cache kept choosing custom plans for them, planning
 * every statement again on every call: 7% of the database's CPU in the auction bench. Forced
 * generic plans cost 287-290 µs of backend CPU per 4-append call against 413-473 µs
 * (docs/benchmarks.md, "Sixth round"). `es.append` settles on generic plans by itself.
 */
export class AppendManyGenericPlans1765000000000 implements MigrationInterface {
  readonly name = 'AppendManyGenericPlans1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION es.append_many(jsonb) SET plan_cache_mode = force_generic_plan`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION es.append_many(jsonb) RESET plan_cache_mode`);
  }
}
