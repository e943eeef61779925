import { createHash } from 'node:crypto';
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
      // The engine answers the claims it is asked to (the others it leaves to the operator's route).
      claim: (notice) => (notice.description.startsWith('answer me') ? { kind: 'review_log', description: `${notice.display_id}: the diff under review did not touch ${notice.outcome_id}'s query builder` } : undefined),
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
    await client.reportConversion({ outcomeId: id, success: true, outcomeValue: 20, eventId: 'zd-77-resolved' });
    expect(await settlement(id, 'charged')).toMatchObject({ charged: '0.40' });
    // The event's status shows what it set off.
    const status = await eventually(async () => {
      const res = await api<{ status: string; actions_triggered: unknown[] }>('GET', '/v1/events/zd-77-resolved', { key });
      return res.body.status === 'processed' ? res.body : undefined;
    }, 15_000, 'the event to be processed');
    expect(status.actions_triggered).toMatchObject([{ action: 'outcome_charged', outcome_id: id }]);
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

  it('charges a partial success the share of its criteria met, and the budget spends that share only', async () => {
    const id = await completed(supportCfg, 'half done');
    const res = await api('POST', '/v1/events', {
      key,
      body: { event_id: 't3-partial', event_type: 'outcome.partial', event_time: new Date().toISOString(), outcome_id: id, success_criteria_results: { refund_issued: true, no_reopen_24h: false } },
    });
    expect(res.status).toBe(200);
    expect(await settlement(id, 'charged')).toMatchObject({ price: '0.40', charged: '0.20' });
    const charged = await eventually(async () => {
      const { rows } = await pool.query<{ data: { chargedMicros: number; releasedMicros: number } }>(`SELECT data FROM es.events WHERE stream_id LIKE 'budget-%' AND type = 'BudgetCharged' AND data->>'outcomeId' LIKE $1`, [`${id}:%`]);
      return rows[0]?.data;
    }, 10_000, 'the budget charge');
    expect(charged).toMatchObject({ chargedMicros: 200_000, releasedMicros: 200_000 });
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
    const draftless = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Nobody', outcome_type: 'legal.review', bid_strategy: { type: 'highest_volume' }, budget: { amount: '5.00', period: 'total' } } })).body.id;
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
    // cs.resolve: three charged (one refunded), a partial success at half, and the marker: 4 × 0.40 + 0.20 − 0.40.
    expect(byType['cs.resolve']).toMatchObject({ net: '1.40', outcomes: 5 });
    expect((await api('GET', '/v1/spend?period=fortnight', { key })).status).toBe(400);
    expect((await api('GET', '/v1/ledger/balances', { key })).status).toBe(403);
  }, 90_000);
});

describe('partial billing', () => {
  it('bills an outcome its engine escalated by the share of work done, when the configuration says so, and releases the rest', async () => {
    const reg = await api<{ id: string }>('POST', '/v1/engines', {
      key: p.operatorKey,
      body: { name: 'halfway', vendor: 'T', model: { name: 'm', version: '1' }, harness: { name: 'h', version: '1' }, outcome_types: ['legal.summarize'], transport: { type: 'nats' } },
    });
    engines.push(
      runEngine(bus, reg.body.id, {
        bid: () => ({ priceMicros: 1_000_000 }),
        award: (run) => {
          void run.escalate({ trigger: 'complexity', details: 'a clause needs a lawyer', summary: 'summarized 4 of 10 sections', transcript: [], work_completed_percent: 40 });
          return true;
        },
      }),
    );
    const created = await api<{ id: string }>('POST', '/v1/configs', {
      key,
      body: {
        name: 'Summaries',
        outcome_type: 'legal.summarize',
        bid_strategy: { type: 'bid_cap', bid_cap: '2.00' },
        budget: { amount: '20.00', period: 'monthly' },
        escalation_policy: { enabled: true, triggers: [{ type: 'timeout', seconds: 60 }], handoff: { destination: { type: 'queue', queue_name: 'legal-team' } }, partial_billing: { model: 'percentage_complete' } },
      },
    });
    expect(created.body).toHaveProperty('id');
    const billed = created.body.id;
    expect((await api('POST', `/v1/configs/${billed}/launch`, { key })).status).toBe(200);
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: billed, input: 'summarize the MSA' } });
    await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${placed.body.id}`, { key })).body.status === 'escalated' ? true : undefined), 15_000);
    expect(await settlement(placed.body.id, 'charged')).toMatchObject({ price: '0.40', charged: '0.40', claim_window_open: false });
    const budget = await eventually(async () => {
      const { rows } = await pool.query<{ type: string; data: { chargedMicros?: number; releasedMicros?: number } }>(`SELECT type, data FROM es.events WHERE stream_id LIKE 'budget-%' AND data->>'outcomeId' LIKE $1 ORDER BY position`, [`${placed.body.id}:%`]);
      return rows.length === 2 ? rows : undefined;
    }, 15_000, 'the budget to settle');
    expect(budget[1]).toMatchObject({ type: 'BudgetCharged', data: { chargedMicros: 400_000, releasedMicros: 600_000 } });
  }, 60_000);
});

describe('guarantee claims', () => {
  it('files a claim within the window and coverage, takes evidence from both sides, and pays the decision from the engine to the buyer', async () => {
    const id = await completed(reviewCfg, 'PR #40');
    await settlement(id, 'charged');
    const refused = async (body: Record<string, unknown>, status: number, field: string) => {
      const res = await api<{ error: { fields: Array<{ field: string; reason: string }> } }>('POST', '/v1/claims', { key, body: { outcome_id: id, description: 'x', ...body } });
      expect(res.status).toBe(status);
      expect(res.body.error.fields.map((f) => f.field)).toContain(field);
      return res.body.error.fields;
    };
    const excluded = await refused({ claim_type: 'requirements_change', requested_amount: '5.00' }, 422, 'claim_type');
    expect(excluded[0]!.reason).toContain('excludes requirements_change');
    await refused({ claim_type: 'missed_critical_bug', requested_amount: '20.01' }, 422, 'requested_amount');
    await refused({ claim_type: 'missed_critical_bug', requested_amount: 'lots' }, 400, 'requested_amount');
    const capiOutcome = await completed(supportCfg, 'not claimable');
    await settlement(capiOutcome, 'awaiting');
    expect((await api('POST', '/v1/claims', { key, body: { outcome_id: capiOutcome, claim_type: 'outcome_failed', description: 'x', requested_amount: '1.00' } })).status).toBe(422);

    const filed = await api<{ id: string; display_id: string; status: string }>('POST', '/v1/claims', {
      key,
      body: { outcome_id: id, claim_type: 'missed_critical_bug', description: 'the review missed a SQL injection', requested_amount: '8.00', evidence: [{ kind: 'document', description: 'the incident report' }] },
    });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ status: 'filed', display_id: expect.stringMatching(/^CLM-\d{6}$/) });
    const claimId = filed.body.id;

    // A file, kept with its SHA-256; a file too large, or of a type not allowed, is refused.
    const upload = (bytes: Buffer, type: string, who: string, path = 'evidence') =>
      fetch(`${p.baseUrl}/v1/claims/${claimId}/${path}?kind=log&description=${encodeURIComponent('server log of the exploit')}&filename=exploit.log`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who}`, 'content-type': type },
        body: bytes,
      });
    const log = Buffer.from('GET /search?q=1%27%20OR%201=1 200\n');
    const up = await upload(log, 'text/plain', key);
    expect(up.status).toBe(201);
    const withFile = (await up.json()) as { evidence: Array<{ file: { sha256: string; size_bytes: number } | null }> };
    expect(withFile.evidence.at(-1)!.file).toMatchObject({ sha256: createHash('sha256').update(log).digest('hex'), size_bytes: log.length });
    expect((await upload(Buffer.alloc(600 * 1024, 1), 'text/plain', key)).status).toBe(413);
    expect((await upload(Buffer.from('PK'), 'application/zip', key)).status).toBe(415);
    const engineSide = await fetch(`${p.baseUrl}/v1/claims/${claimId}/engine-evidence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'review_log', description: 'the engine flagged the query builder as out of scope' }),
    });
    expect(engineSide.status).toBe(201);

    expect((await api('POST', `/v1/claims/${claimId}/review`, { key })).status).toBe(403);
    expect((await api<{ status: string }>('POST', `/v1/claims/${claimId}/review`, { key: p.operatorKey })).body.status).toBe('under_review');
    const badDecision = await api('POST', `/v1/claims/${claimId}/decision`, { key: p.operatorKey, body: { decision: 'partially_approved', approved_amount: '9.00', findings: 'too much' } });
    expect(badDecision.status).toBe(422);
    const decided = await api<{ status: string; paid_amount: string; evidence: Array<{ by: string }> }>('POST', `/v1/claims/${claimId}/decision`, {
      key: p.operatorKey,
      body: { decision: 'partially_approved', approved_amount: '5.00', findings: 'the injection was in scope; damage was partly mitigated' },
    });
    expect(decided.body).toMatchObject({ status: 'paid', paid_amount: '5.00' });
    expect(decided.body.evidence.map((e) => e.by)).toEqual(['buyer', 'buyer', 'engine']);

    const lines = await pool.query<{ account: string; side: string; micros: string }>(`SELECT account, side, micros FROM claims.ledger_lines WHERE outcome_id = $1 AND kind = 'ClaimPaidOut' ORDER BY line_id`, [id]);
    expect(lines.rows.map((l) => `${l.account.split(':')[0]} ${l.side} ${l.micros}`)).toEqual(['engine debit 5000000', 'buyer credit 5000000']);
    expect(await settlement(id, 'charged')).toMatchObject({ paid_out: '5.00', coverage_remaining: '15.00' });
    const history = await api<{ data: Array<{ id: string; status: string }> }>('GET', `/v1/outcomes/${id}/claims`, { key });
    expect(history.body.data).toMatchObject([{ id: claimId, status: 'paid' }]);
    // The remaining coverage bounds the next claim.
    await refused({ claim_type: 'false_approval', requested_amount: '15.01' }, 422, 'requested_amount');

    // The same claim through the Conversions API: judged at intake, filed by settlement's consumer, withdrawn the same way.
    const event = (eventId: string, body: Record<string, unknown>) => api<{ error?: { fields: Array<{ field: string }> } }>('POST', '/v1/events', { key, body: { event_id: eventId, event_time: new Date().toISOString(), outcome_id: id, ...body } });
    expect((await event('clm-too-much', { event_type: 'guarantee.claim', claim: { claim_type: 'false_approval', description: 'x', requested_amount: '15.01' } })).status).toBe(422);
    expect((await event('clm-capi', { event_type: 'guarantee.claim', claim: { claim_type: 'false_approval', description: 'approved a broken migration', requested_amount: '2.00' } })).status).toBe(200);
    const viaCapi = await eventually(async () => (await api<{ data: Array<{ id: string; status: string; claim_type: string }> }>('GET', `/v1/outcomes/${id}/claims`, { key })).body.data.find((c) => c.claim_type === 'false_approval'), 15_000, 'the claim from the Conversions API');
    expect(viaCapi.status).toBe('filed');
    const filedAction = await eventually(async () => ((await api<{ actions_triggered: Array<{ action: string; claim_id?: string }> }>('GET', '/v1/events/clm-capi', { key })).body.actions_triggered[0]), 15_000);
    expect(filedAction).toMatchObject({ action: 'claim_filed', claim_id: viaCapi.id });
    await api('POST', '/v1/events', { key, body: { event_id: 'clm-capi-withdraw', event_type: 'guarantee.withdraw', event_time: new Date().toISOString(), outcome_id: id, claim_id: viaCapi.id } });
    await eventually(async () => ((await api<{ status: string }>('GET', `/v1/claims/${viaCapi.id}`, { key })).body.status === 'withdrawn' ? true : undefined), 15_000, 'the withdrawal');
    expect((await event('clm-capi-outcome', { event_type: 'guarantee.claim', outcome_id: undefined, session_id: undefined, claim: { claim_type: 'outcome_failed', description: 'x', requested_amount: '1.00' } })).status).toBe(400);
  }, 60_000);

  it('tells the engine of a claim against its work and adds its answer as the engine’s evidence, before the decision', async () => {
    const id = await completed(reviewCfg, 'PR #42');
    await settlement(id, 'charged');
    const filed = await api<{ id: string; display_id: string }>('POST', '/v1/claims', { key, body: { outcome_id: id, claim_type: 'outcome_failed', description: 'answer me: the review missed a race', requested_amount: '1.00' } });
    expect(filed.status).toBe(201);
    const answered = await eventually(async () => {
      const claim = await api<{ evidence: Array<{ by: string; kind: string; description: string }> }>('GET', `/v1/claims/${filed.body.id}`, { key });
      return claim.body.evidence.find((e) => e.by === 'engine');
    }, 15_000, 'the engine’s answer');
    expect(answered).toEqual(expect.objectContaining({ kind: 'review_log', description: `${filed.body.display_id}: the diff under review did not touch ${id}'s query builder` }));
    // Once decided, the claim takes no more evidence from either side.
    await api('POST', `/v1/claims/${filed.body.id}/review`, { key: p.operatorKey });
    await api('POST', `/v1/claims/${filed.body.id}/decision`, { key: p.operatorKey, body: { decision: 'denied', approved_amount: '0', findings: 'out of scope, as the engine said' } });
    const late = await api('POST', `/v1/claims/${filed.body.id}/engine-evidence`, { key: p.operatorKey, body: { kind: 'review_log', description: 'more' } });
    expect(late.status).toBe(422);
    const evidence = (await api<{ evidence: Array<{ by: string }> }>('GET', `/v1/claims/${filed.body.id}`, { key })).body.evidence;
    expect(evidence.filter((e) => e.by === 'engine')).toHaveLength(1);
  }, 60_000);

  it('lets the buyer withdraw an undecided claim, and refuses claims after the window closes', async () => {
    const id = await completed(reviewCfg, 'PR #41');
    await settlement(id, 'charged');
    const filed = await api<{ id: string }>('POST', '/v1/claims', { key, body: { outcome_id: id, claim_type: 'outcome_failed', description: 'wrong file reviewed', requested_amount: '1.00' } });
    const withdrawn = await api<{ status: string }>('POST', `/v1/claims/${filed.body.id}/withdraw`, { key, body: { reason: 'our mistake' } });
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await api('POST', `/v1/claims/${filed.body.id}/decision`, { key: p.operatorKey, body: { decision: 'denied', approved_amount: '0', findings: 'withdrawn' } })).status).toBe(422);
    const other = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Other' } });
    expect((await api('GET', `/v1/claims/${filed.body.id}`, { key: other.body.api_key.secret })).status).toBe(404);
    expect((await api('GET', `/v1/claims/${filed.body.id}`, { key: p.operatorKey })).status).toBe(200);

    const capiClaim = { event_id: 'clm-before-close', event_type: 'guarantee.claim', event_time: new Date().toISOString(), outcome_id: id, claim: { claim_type: 'outcome_failed', description: 'missed a file', requested_amount: '1.00' } };
    expect((await api<{ status: string }>('POST', '/v1/events', { key, body: capiClaim })).body.status).toBe('accepted');

    await pool.query(`UPDATE claims.timers SET due_at = now() WHERE outcome_id = $1 AND kind = 'claim_window'`, [id]);
    await eventually(async () => ((await api<{ claim_window_open: boolean }>('GET', `/v1/outcomes/${id}/settlement`, { key })).body.claim_window_open === false ? true : undefined), 15_000);
    // A repeat of a claim recorded while the window was open is acknowledged, not judged again.
    const repeat = await api<{ status: string }>('POST', '/v1/events', { key, body: capiClaim });
    expect(repeat).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const late = await api<{ error: { fields: Array<{ field: string }> } }>('POST', '/v1/claims', { key, body: { outcome_id: id, claim_type: 'outcome_failed', description: 'late', requested_amount: '1.00' } });
    expect(late.status).toBe(422);
    expect(late.body.error.fields.map((f) => f.field)).toContain('requested_amount');
  }, 60_000);
});

describe('the dashboard’s read models', () => {
  it('lists the outcome history with filters and cursor pages, sums results by type, and rebuilds to the same state', async () => {
    type Row = { id: string; outcome_type: string; status: string; cost: string; claim: { status: string } | null; duration_ms: number | null };
    const all = await eventually(async () => {
      const res = await api<{ data: Row[] }>('GET', '/v1/history?limit=100', { key });
      // Settled and claimed outcomes have reached the projection.
      return res.body.data.some((r) => r.status === 'claim_paid') ? res.body.data : undefined;
    }, 20_000, 'the history to catch up');
    expect(all.length).toBeGreaterThanOrEqual(10);
    const reviews = await api<{ data: Row[] }>('GET', '/v1/history?type=code.review', { key });
    expect(reviews.body.data.every((r) => r.outcome_type === 'code.review')).toBe(true);
    expect(reviews.body.data.find((r) => r.status === 'claim_paid')).toMatchObject({ cost: '2.00', claim: { status: 'paid' } });
    const escalated = await api<{ data: Row[] }>('GET', '/v1/history?status=escalated', { key });
    expect(escalated.body.data.length).toBeGreaterThanOrEqual(2);
    expect(escalated.body.data.every((r) => r.status === 'escalated')).toBe(true);
    // Escalations cost nothing, but for the one its configuration bills in part.
    expect(escalated.body.data.map((r) => `${r.outcome_type} ${r.cost}`).sort()).toEqual(['legal.review 0.00', 'legal.summarize 0.40']);

    // Cursor pages visit every row once, newest first.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Row[]; next_cursor: string | null } } = await api('GET', `/v1/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key });
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((r) => r.id));
    expect((await api('GET', '/v1/history?status=lost', { key })).status).toBe(400);
    expect((await api('GET', `/v1/history?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { key })).body).toMatchObject({ data: [] });

    const results = await api<{ data: Array<{ outcome_type: string; successes: number; escalations: number; claims: number; success_rate: number | null; cost_per_success: string | null }> }>('GET', '/v1/results', { key });
    const byType = Object.fromEntries(results.body.data.map((r) => [r.outcome_type, r]));
    expect(byType['code.review']).toMatchObject({ escalations: 0, claims: 3, success_rate: 1 });
    expect(byType['legal.review']).toMatchObject({ successes: 0, escalations: 1, success_rate: 0, cost_per_success: null });

    const snapshot = async () => (await pool.query(`SELECT * FROM claims.outcome_history ORDER BY outcome_id`)).rows;
    const before = await snapshot();
    const rebuilt = await api<{ rows: number; behind: number }>('POST', '/v1/admin/projections/outcome-history/rebuild', { key: p.operatorKey });
    expect(rebuilt.status).toBe(202);
    await eventually(async () => {
      const progress = await api<{ rows: number; behind: number }>('GET', '/v1/admin/projections/outcome-history', { key: p.operatorKey });
      if (progress.body.behind === 0 && progress.body.rows === before.length) return true;
      throw new Error(JSON.stringify(progress.body));
    }, 30_000, 'the rebuild to catch up');
    expect(await snapshot()).toEqual(before);

    // The ledger too: rebuilt from the settlement events, the same lines and balances.
    const ledger = async () => (await pool.query(`SELECT outcome_id, account, side, micros, kind, cause_kind, cause_ref, at FROM claims.ledger_lines ORDER BY outcome_id, at, kind, account`)).rows;
    const balancesOf = async () => (await api<{ data: unknown[] }>('GET', '/v1/ledger/balances', { key: p.operatorKey })).body.data;
    const [linesBefore, balancesBefore] = [await ledger(), await balancesOf()];
    const relayed = await api<{ lines: number }>('POST', '/v1/admin/projections/ledger/rebuild', { key: p.operatorKey });
    expect(relayed.body.lines).toBe(linesBefore.length);
    expect(await ledger()).toEqual(linesBefore);
    expect(await balancesOf()).toEqual(balancesBefore);
  }, 90_000);
});
