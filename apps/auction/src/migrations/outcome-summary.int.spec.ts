import { runMigrations } from '@outcomes/event-store';
import { createTestDatabase, type TestDatabase } from '@outcomes/testing';
import { auctionMigrations } from './index';

describe('OutcomeSummary migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('auction_mig');
  });
  afterAll(() => db.drop());

  it('moves what the look-up reads out of the stored state into columns, for outcomes written before it', async () => {
    await runMigrations(db.url, auctionMigrations.slice(0, -1), 'auction_migrations');
    const pool = db.pool({ max: 1 });
    const state = (endedAt: string | null) => ({ status: 'completed', request: { outcomeId: 'x', outcomeType: 'cs.resolve', configId: 'cfg_1', at: '2026-12-01T10:00:00.123Z', input: 'a long input' }, endedAt });
    await pool.query(
      `INSERT INTO auction.outcomes (outcome_id, buyer_id, status, engine_id, version, state, updated_at) VALUES ('out_1', 'buy_1', 'completed', 'eng_1', 3, $1, now()), ('out_2', 'buy_1', 'running', 'eng_1', 2, $2, now())`,
      [state('2026-12-01T10:05:00.456Z'), state(null)],
    );

    expect(await runMigrations(db.url, auctionMigrations, 'auction_migrations')).toEqual(['OutcomeSummary1764001400000']);

    const { rows } = await pool.query(`SELECT outcome_id, outcome_type, config_id, requested_at, ended_at FROM auction.outcomes ORDER BY outcome_id`);
    expect(rows).toEqual([
      { outcome_id: 'out_1', outcome_type: 'cs.resolve', config_id: 'cfg_1', requested_at: new Date('2026-12-01T10:00:00.123Z'), ended_at: new Date('2026-12-01T10:05:00.456Z') },
      { outcome_id: 'out_2', outcome_type: 'cs.resolve', config_id: 'cfg_1', requested_at: new Date('2026-12-01T10:00:00.123Z'), ended_at: null },
    ]);
    const columns = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'auction' AND table_name = 'outcomes' AND column_name = 'state'`);
    expect(columns.rows).toEqual([]);
  });
});
