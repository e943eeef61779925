import { Estimates } from './estimates';
import { leaderboard, performanceReport, weekOf } from './reports';

const DAY = 86_400_000;
const MON = Date.UTC(2026, 10, 2);

function outcome(e: Estimates, n: number, engine: string, at: number, price: number, verdict: 'success' | 'failure' | 'escalated', buyer = 'buy_1'): void {
  const outcomeId = `out_${n}`;
  e.apply({ kind: 'requested', outcomeId, buyerId: buyer, configId: 'cfg_1', outcomeType: 'cs.resolve', at });
  e.apply({ kind: 'awarded', outcomeId, engineId: engine, priceMicros: price, budgetId: null, at });
  if (verdict === 'escalated') return e.apply({ kind: 'ended', outcomeId, engineId: engine, result: 'escalated', at: at + 1000 });
  e.apply({ kind: 'ended', outcomeId, engineId: engine, result: 'completed', at: at + 1000 });
  e.apply({ kind: 'conversion', outcomeId, verdict, source: 'human_reviewer', valueMicros: null, at: at + 2000 });
  if (verdict === 'success') e.apply({ kind: 'charged', outcomeId, amountMicros: price, at: at + 2000 });
}

describe('reports', () => {
  it('weeks start on Monday', () => {
    expect(weekOf('2026-11-02')).toBe('2026-11-02');
    expect(weekOf('2026-11-08')).toBe('2026-11-02');
    expect(weekOf('2026-11-09')).toBe('2026-11-09');
  });

  it('give per type and engine per week the outcomes, success rate, cost per success and escalations, and the week-over-week trend', () => {
    const e = new Estimates();
    let n = 0;
    // Week 1: 10 outcomes at 1.00, 5 succeed. Week 2: 10 at 0.80, 8 succeed, 1 escalated.
    for (let i = 0; i < 10; i++) outcome(e, n++, 'eng_a', MON + i * 1000, 1_000_000, i < 5 ? 'success' : 'failure');
    for (let i = 0; i < 10; i++) outcome(e, n++, 'eng_a', MON + 7 * DAY + i * 1000, 800_000, i < 8 ? 'success' : i === 8 ? 'escalated' : 'failure');
    outcome(e, n++, 'eng_a', MON, 1_000_000, 'success', 'buy_other');
    const { rows, trend } = performanceReport(e, { buyerId: 'buy_1', granularity: 'week' });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ periodStart: '2026-11-02', engineId: 'eng_a', outcomes: 10, completed: 10, escalationRate: 0, spendMicros: 5_000_000 });
    expect(rows[0]!.successRate).toBeCloseTo(0.5, 1);
    // Soft labels: a trusted failure still leaves a little doubt, so about 1.00, a shade under.
    expect(rows[0]!.costPerSuccessMicros! / 1e6).toBeGreaterThan(0.9);
    expect(rows[0]!.costPerSuccessMicros! / 1e6).toBeLessThanOrEqual(1.0);
    expect(rows[1]).toMatchObject({ periodStart: '2026-11-09', outcomes: 10, completed: 9, escalationRate: 0.1, spendMicros: 6_400_000 });
    expect(trend[1]!.change!).toBeLessThan(-0.1);
    expect(trend[0]!.change).toBeNull();
    // The operator's view has the other buyer too; a day view splits the week.
    expect(performanceReport(e, { buyerId: null, granularity: 'week' }).rows[0]!.outcomes).toBe(11);
    expect(performanceReport(e, { buyerId: 'buy_1', granularity: 'day', from: '2026-11-09' }).rows).toHaveLength(1);
  });

  it('rank engines by expected cost per success, with their delivery and performance indices', () => {
    const e = new Estimates();
    let n = 0;
    for (let i = 0; i < 40; i++) outcome(e, n++, 'eng_good', MON, 1_000_000, i % 10 === 0 ? 'failure' : 'success');
    for (let i = 0; i < 40; i++) outcome(e, n++, 'eng_cheap', MON, 500_000, i % 10 < 3 ? 'success' : i % 10 === 9 ? 'escalated' : 'failure');
    const board = leaderboard(e, MON + DAY);
    expect(board.map((b) => [b.engineId, b.rank])).toEqual([
      ['eng_good', 1],
      ['eng_cheap', 2],
    ]);
    expect(board[0]).toMatchObject({ deliveryIndex: 100, performanceIndex: 100 });
    expect(board[1]!.deliveryIndex).toBe(90);
    expect(board[1]!.performanceIndex).toBe(Math.round((100 * board[0]!.expectedCostPerSuccessMicros!) / board[1]!.expectedCostPerSuccessMicros!));
    expect(board[1]!.performanceIndex!).toBeLessThan(100);
    expect(board[0]!.successProbability).toBeGreaterThan(board[1]!.successProbability + 0.3);
  });
});
