import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the webhook bridge remembers: the awards it passed to webhook engines (for configuration
 * updates and performance feedback), the configuration each engine last received (the base of the
 * next JSON Patch), and how far each engine's feedback has been sent.
 */
export class WebhookBridge1764000300000 implements MigrationInterface {
  readonly name = 'WebhookBridge1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE engines.webhook_awards (
        outcome_id          text PRIMARY KEY,
        engine_id           text NOT NULL,
        buyer_id            text NOT NULL,
        config_id           text NOT NULL,
        outcome_type        text NOT NULL,
        awarded_at          timestamptz NOT NULL,
        max_latency_seconds int NOT NULL,
        ended_kind          text,
        ended_at            timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_awards_config ON engines.webhook_awards (config_id, engine_id)`);
    await q.query(`CREATE INDEX webhook_awards_engine_awarded ON engines.webhook_awards (engine_id, awarded_at)`);
    await q.query(`
      CREATE TABLE engines.webhook_config_views (
        engine_id      text NOT NULL,
        config_id      text NOT NULL,
        config_version int NOT NULL,
        view           jsonb NOT NULL,
        PRIMARY KEY (engine_id, config_id)
      )`);
    await q.query(`
      CREATE TABLE engines.webhook_feedback (
        engine_id  text PRIMARY KEY,
        sent_until timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE engines.webhook_feedback, engines.webhook_config_views, engines.webhook_awards`);
  }
}
