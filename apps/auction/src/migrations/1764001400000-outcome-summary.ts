import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outcome read model keeps what its readers ask (type, configuration, request and end
 * times) in columns, instead of a copy of the whole state: every change of an outcome wrote that
 * copy again, input included, and only the Conversions API's look-up read four fields of it.
 */
export class OutcomeSummary1764001400000 implements MigrationInterface {
  readonly name = 'OutcomeSummary1764001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE auction.outcomes
        ADD COLUMN outcome_type text,
        ADD COLUMN config_id    text,
        ADD COLUMN requested_at timestamptz,
        ADD COLUMN ended_at     timestamptz`);
    await q.query(`
      UPDATE auction.outcomes
         SET outcome_type = state->'request'->>'outcomeType', config_id = state->'request'->>'configId',
             requested_at = (state->'request'->>'at')::timestamptz, ended_at = (state->>'endedAt')::timestamptz`);
    await q.query(`ALTER TABLE auction.outcomes ALTER COLUMN outcome_type SET NOT NULL, ALTER COLUMN config_id SET NOT NULL, ALTER COLUMN requested_at SET NOT NULL, DROP COLUMN state`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The full state cannot be restored from the summary; its stream holds it. The columns readers of the old form read come back.
    await q.query(`ALTER TABLE auction.outcomes ADD COLUMN state jsonb`);
    await q.query(`
      UPDATE auction.outcomes
         SET state = jsonb_build_object('request', jsonb_build_object('outcomeType', outcome_type, 'configId', config_id, 'at', to_json(requested_at)), 'endedAt', to_json(ended_at))`);
    await q.query(`ALTER TABLE auction.outcomes ALTER COLUMN state SET NOT NULL, DROP COLUMN outcome_type, DROP COLUMN config_id, DROP COLUMN requested_at, DROP COLUMN ended_at`);
  }
}
