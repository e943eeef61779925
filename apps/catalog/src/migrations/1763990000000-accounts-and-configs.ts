import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models for outcome types (every version), buyers, API keys and configurations. The catalog
 * writes them in the same transaction as the events they follow, so an answer never runs ahead of
 * them (a revoked key is refused at once); they can be rebuilt from the events.
 */
export class AccountsAndConfigs1763990000000 implements MigrationInterface {
  readonly name = 'AccountsAndConfigs1763990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog.outcome_types`);
    await q.query(`
      CREATE TABLE catalog.outcome_type_versions (
        key          text NOT NULL,
        version      int  NOT NULL,
        origin       text NOT NULL,
        definition   jsonb NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (key, version)
      )`);
    await q.query(`
      CREATE TABLE catalog.buyers (
        buyer_id   text PRIMARY KEY,
        name       text NOT NULL,
        email      text,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE catalog.api_keys (
        key_id      text PRIMARY KEY,
        buyer_id    text NOT NULL REFERENCES catalog.buyers (buyer_id),
        scope       text NOT NULL,
        name        text,
        hint        text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL,
        revoked_at  timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_by_buyer ON catalog.api_keys (buyer_id, key_id)`);
    // Not a projection: how recently a key was used is operational data, written at most once a minute per key.
    await q.query(`
      CREATE TABLE catalog.api_key_usage (
        key_id       text PRIMARY KEY REFERENCES catalog.api_keys (key_id),
        last_used_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE catalog.configs (
        config_id    text PRIMARY KEY,
        buyer_id     text NOT NULL,
        status       text NOT NULL,
        version      int  NOT NULL,
        outcome_type text NOT NULL,
        state        jsonb NOT NULL,
        updated_at   timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX configs_by_buyer ON catalog.configs (buyer_id, config_id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE catalog.configs, catalog.api_key_usage, catalog.api_keys, catalog.buyers, catalog.outcome_type_versions`);
  }
}
