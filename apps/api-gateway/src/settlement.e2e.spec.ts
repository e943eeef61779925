import { connectBus, type Bus } from '@outcomes/bus';
import { runEngine, type RunningEngine } from '@outcomes/engine-kit';
import { OutcomesClient } from '@outcomes/sdk';
import { eventually, testNatsUrl } from '@outcomes/testing';
import type { Pool } from 'pg';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/**
 * Money moves exactly: the ledger and the budget after conversions, windows and deliveries, with
 * the whole platform running (relay included: settlement follows the events).
 */
let p: Platform;
let api: Api;
let key: string;
let pool: Pool;
let bus: Bus;
let supportCfg: string;
let reviewCfg: string;
const engines: RunningEngine[] = [];

const settlement = (id: string, status: string) =>
  eventually(async () => {
    const res = await api<{ status: string }>('GET', `/v1/outcomes/${id}/settlement`, { key });
    return res.status === 200 && res.body.status === status ? res.body : undefined;
  }, 20_000, `the settlement of ${id} to be ${status}`);

const completed = async (configId: string, input: string): Promise<string> => {
  const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input } });
  await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${placed.body.id}`, { key })).body.status === 'completed' ? true : undefined), 15_000);
  return placed.body.id;
};

const budgetEvents = async (outcomeId: string) =>
  (await pool.query<{ type: string }>(`SELECT type FROM es.events WHERE stream_id LIKE 'budget-%' AND data->>'outcomeId' LIKE $1 ORDER BY position`, [`${outcomeId}:%`])).rows.map((r) => r.type);

beforeAll(async () => {
  p = await startPlatform({ relay: true });
  api = p.api;
  pool = p.db.pool({ max: 2 });
  bus = await connectBus({ servers: testNatsUrl(), name: 'settlement-engines', namespace: p.namespace });
  const reg = await api<{ id: string }>('POST', '/v1/engines', {
    key: p.operatorKey,
    body: { name: 'steady', vendor: 'T', model: { name: 'm', version: '1' }, harness: { name: 'h', version: '1' }, outcome_types: ['cs.resolve', 'code.review'], max_concurrent_outcomes: 50, transport: { type: 'nats' } },
  });
  engines.push(
    runEngine(bus, reg.body.id, {
      bid: (r) => ({ priceMicros: r.outcome_type === 'cs.resolve' ? 400_000 : 2_000_000 }),
      award: (run) => {
        void run.complete({ done: true });
        return true;
      },
    }),
  );
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme' } });
  key = buyer.body.api_key.secret;
  supportCfg = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'bid_cap', bid_cap: '1.00' }, budget: { amount: '50.00', period: 'monthly' } } })).body.id;
  reviewCfg = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Reviews', outcome_type: 'code.review', bid_strategy: { type: 'bid_cap', bid_cap: '3.00' }, budget: { amount: '50.00', period: 'monthly' } } })).body.id;
  for (const c of [supportCfg, reviewCfg]) expect((await api('POST', `/v1/configs/${c}/launch`, { key })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  for (const e of engines) await e.stop();
  await bus?.close();
  await p?.close();
});

describe('settlement', () => {
  it('charges a cAPI-verified outcome on the reported success: buyer, engine and platform fee in the ledger, the budget spent', async () => {
    const id = await completed(supportCfg, 'where is my order?');
    // Completed, not yet verified: nothing charged.
    expect(await settlement(id, 'awaiting')).toMatchObject({ verification: 'capi_verified', price: '0.40', charged: '0.00' });
    const client = new OutcomesClient(supportCfg, { apiKey: key, baseUrl: p.baseUrl });
    await client.reportConversion({ outcomeId: id, success: true, outcomeValue: 20 });
    expect(await settlement(id, 'charged')).toMatchObject({ charged: '0.40' });
    const lines = await pool.query<{ account: string; side: string; micros: string }>(`SELECT account, side, micros FROM claims.ledger_lines WHERE outcome_id = $1 ORDER BY line_id`, [id]);
    expect(lines.rows.map((l) => `${l.account.split(':')[0]} ${l.side} ${l.micros}`)).toEqual(['buyer debit 400000', 'engine credit 360000', 'platform credit 40000']);
    await eventually(async () => ((await budgetEvents(id)).includes('BudgetCharged') ? true : undefined));
  }, 60_000);

  it('refunds a success contradicted within the window, and releases on a failure without charging', async () => {
    const reopened = await completed(supportCfg, 'refund please');
    const report = (eventId: string, eventType: string, outcomeId: string) =>
      api('POST', '/v1/events', { key, body: { event_id: eventId, event_type: eventType, event_time: new Date().toISOString(), outcome_id: outcomeId } });
    await report('t1-resolved', 'outcome.success', reopened);
    await settlement(reopened, 'charged');
    await report('t1-reopened', 'outcome.failure', reopened);
    expect(await settlement(reopened, 'refunded')).toMatchObject({ charged: '0.40', refunded: '0.40' });
    await eventually(async () => ((await budgetEvents(reopened)).join() === 'BudgetReserved,BudgetCharged,BudgetRefunded' ? true : undefined), 10_000, 'the budget refund');

    const failed = await completed(supportCfg, 'cancel my order');
    await report('t2-failed', 'outcome.failure', failed);
    expect(await settlement(failed, 'released')).toMatchObject({ charged: '0.00' });
    await eventually(async () => ((await budgetEvents(failed)).join() === 'BudgetReserved,BudgetReleased' ? true : undefined), 10_000, 'the budget release');
  }, 60_000);

  it('applies the type’s default when the attribution window closes without a conversion', async () => {
    const silent = await completed(supportCfg, 'thanks');
    await settlement(silent, 'awaiting');
    // Seven days pass: the window's durable timer comes due.
    await pool.query(`UPDATE claims.timers SET due_at = now() WHERE outcome_id = $1 AND kind = 'attribution'`, [silent]);
    expect(await settlement(silent, 'charged')).toMatchObject({ charged: '0.40' });
    const { rows } = await pool.query<{ cause_kind: string }>(`SELECT DISTINCT cause_kind FROM claims.ledger_lines WHERE outcome_id = $1`, [silent]);
    expect(rows).toEqual([{ cause_kind: 'attribution_default' }]);
  }, 60_000);

  it('charges a guarantee-backed outcome on delivery and closes its claim window once it ends', async () => {
    const id = await completed(reviewCfg, 'PR #12');
    expect(await settlement(id, 'charged')).toMatchObject({ verification: 'guarantee_backed', charged: '2.00', claim_window_open: true, coverage_remaining: '20.00' });
    await pool.query(`UPDATE claims.timers SET due_at = now() WHERE outcome_id = $1 AND kind = 'claim_window'`, [id]);
    await eventually(async () => ((await api<{ claim_window_open: boolean }>('GET', `/v1/outcomes/${id}/settlement`, { key })).body.claim_window_open === false ? true : undefined), 15_000, 'the claim window to close');
  }, 60_000);

  it('charges nothing for escalated outcomes or test events, and the ledger balances to zero', async () => {
    const draftless = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Nobody', outcome_type: 'legal.review', bid_strategy: { type: 'highest_volume' }, budget: { amount: '5.00', period: 'daily' } } })).body.id;
    await api('POST', `/v1/configs/${draftless}/launch`, { key });
    const escalated = (await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: draftless, input: 'x' } })).body.id;
    await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${escalated}`, { key })).body.status === 'escalated' ? true : undefined));
    await api('POST', '/v1/events', { key, body: { event_id: 'esc-success', event_type: 'outcome.success', event_time: new Date().toISOString(), outcome_id: escalated } });
    const tested = await completed(supportCfg, 'test me');
    await api('POST', '/v1/events', { key, body: { event_id: 'test-success', event_type: 'outcome.success', event_time: new Date().toISOString(), outcome_id: tested, test_event_code: 'T1' } });
    // A real conversion after both, as a marker that settlement has caught up with them.
    const marker = await completed(supportCfg, 'marker');
    await api('POST', '/v1/events', { key, body: { event_id: 'marker-success', event_type: 'outcome.success', event_time: new Date().toISOString(), outcome_id: marker } });
    await settlement(marker, 'charged');
    expect((await api('GET', `/v1/outcomes/${escalated}/settlement`, { key })).status).toBe(404);
    expect(await settlement(tested, 'awaiting')).toMatchObject({ charged: '0.00' });

    const balances = await api<{ data: Array<{ account: string; balance: string }> }>('GET', '/v1/ledger/balances', { key: p.operatorKey });
    const total = balances.body.data.reduce((a, b) => a + Math.round(Number(b.balance) * 1_000_000), 0);
    expect(total).toBe(0);
    const spend = await api<{ data: Array<{ outcome_type: string; net: string; outcomes: number }> }>('GET', '/v1/spend?period=total', { key });
    const byType = Object.fromEntries(spend.body.data.map((r) => [r.outcome_type, r]));
    expect(byType['code.review']).toMatchObject({ net: '2.00', outcomes: 1 });
    // cs.resolve: three charged (one refunded) and the marker: 4 × 0.40 − 0.40.
    expect(byType['cs.resolve']).toMatchObject({ net: '1.20', outcomes: 4 });
    expect((await api('GET', '/v1/spend?period=fortnight', { key })).status).toBe(400);
    expect((await api('GET', '/v1/ledger/balances', { key })).status).toBe(403);
  }, 90_000);
});
