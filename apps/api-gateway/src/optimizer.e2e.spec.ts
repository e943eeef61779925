import { connectBus, type Bus } from '@outcomes/bus';
import type { PerformanceFeedback } from '@outcomes/contracts';
import { runEngine, type RunningEngine } from '@outcomes/engine-kit';
import { eventually, testNatsUrl } from '@outcomes/testing';
import type { Pool } from 'pg';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/**
 * The loop closed, with the whole platform running: a cheap engine whose work the buyer reports as
 * failed and a dearer one whose work succeeds. The optimizer learns it from the conversions (through
 * the relay and JetStream) and the auction then buys from the dearer engine; the reports show why.
 */
let p: Platform;
let api: Api;
let key: string;
let pool: Pool;
let bus: Bus;
let cfg: string;
const engines: RunningEngine[] = [];
const ids: Record<string, string> = {};
const feedbackTo: Record<string, PerformanceFeedback[]> = { cheap: [], good: [] };
/** Launched configurations that require one engine, by its name. */
const onlyConfigs = new Map<string, string>();
let n = 0;

const register = async (name: string): Promise<string> =>
  (
    await api<{ id: string }>('POST', '/v1/engines', {
      key: p.operatorKey,
      body: { name, vendor: 'T', model: { name: 'm', version: '1' }, harness: { name: 'h', version: '1' }, outcome_types: ['cs.resolve'], max_concurrent_outcomes: 50, transport: { type: 'nats' } },
    })
  ).body.id;

/** Places an outcome, waits for its end, and reports what the buyer saw: the cheap engine's work failed. */
async function buy(configId: string): Promise<{ id: string; engine: string | null; status: string }> {
  const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: `ticket ${n++}` } });
  const done = await eventually(async () => {
    const o = await api<{ status: string; engine: { id: string } | null }>('GET', `/v1/outcomes/${placed.body.id}`, { key });
    return ['completed', 'escalated', 'failed'].includes(o.body.status) ? { status: o.body.status, engine_id: o.body.engine?.id ?? null } : undefined;
  }, 15_000, 'the outcome to end');
  if (done.status === 'completed') {
    const verdict = done.engine_id === ids['cheap'] ? 'outcome.failure' : 'outcome.success';
    const res = await api('POST', '/v1/events', { key, body: { event_id: `ev-${placed.body.id}`, event_type: verdict, event_time: new Date().toISOString(), outcome_id: placed.body.id, source: 'human_reviewer' } });
    expect(res.status).toBe(200);
  }
  return { id: placed.body.id, engine: done.engine_id, status: done.status };
}

/** The leaderboard once the optimizer has learned from at least `outcomes` of the engine's outcomes. */
const learned = (engineId: string, outcomes: number) =>
  eventually(async () => {
    const res = await api<{ data: Array<{ engine_id: string; outcomes: number; success_probability: number }> }>('GET', '/v1/admin/engines/leaderboard', { key: p.operatorKey });
    const row = res.body.data?.find((r) => r.engine_id === engineId);
    return row && row.outcomes >= outcomes ? res.body.data : undefined;
  }, 20_000, `the optimizer to learn from ${outcomes} outcomes of ${engineId}`);

const only = (engine: string): string => onlyConfigs.get(engine)!;

beforeAll(async () => {
  p = await startPlatform({ relay: true, env: { OPTIMIZER_LEARNING_PHASE: '3', OPTIMIZER_FEEDBACK_SECONDS: '2' } });
  api = p.api;
  pool = p.db.pool({ max: 2 });
  bus = await connectBus({ servers: testNatsUrl(), name: 'optimizer-engines', namespace: p.namespace });
  ids['cheap'] = await register('cheap');
  ids['good'] = await register('good');
  for (const [name, price] of [
    ['cheap', 400_000],
    ['good', 500_000],
  ] as const) {
    engines.push(
      runEngine(bus, ids[name]!, {
        bid: () => ({ priceMicros: price }),
        award: (run) => {
          void run.complete({ by: name });
          return true;
        },
        feedback: (f) => void feedbackTo[name]!.push(f),
      }),
    );
  }
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Learner' } });
  key = buyer.body.api_key.secret;
  cfg = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'bid_cap', bid_cap: '2.00' }, budget: { amount: '100.00', period: 'monthly' } } })).body.id;
  expect((await api('POST', `/v1/configs/${cfg}/launch`, { key })).status).toBe(200);
  for (const engine of ['cheap', 'good']) {
    const id = (await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: `Only ${engine}`, outcome_type: 'cs.resolve', bid_strategy: { type: 'bid_cap', bid_cap: '2.00' }, budget: { amount: '100.00', period: 'monthly' }, execution_preferences: { required_engine: engine } } })).body.id;
    expect((await api('POST', `/v1/configs/${id}/launch`, { key })).status).toBe(200);
    onlyConfigs.set(engine, id);
  }
}, 120_000);

afterAll(async () => {
  for (const e of engines) await e.stop();
  await bus?.close();
  await p?.close();
});

describe('the delivery optimizer in the marketplace', () => {
  it('learns from conversions which engine succeeds, and the auction then buys from it though it asks more', async () => {
    // Learning: each engine does five outcomes (through configurations that require it, so the
    // test does not hang on which engine the exploration draws pick).
    for (const engine of ['cheap', 'good']) {
      const only1 = only(engine);
      for (let i = 0; i < 5; i++) expect((await buy(only1)).engine).toBe(ids[engine]);
    }
    await learned(ids['cheap']!, 5);
    await learned(ids['good']!, 5);
    // Wait for the conversions to be learned too: the cheap engine's estimate falls.
    await eventually(async () => {
      const res = await api<{ data: Array<{ engine_id: string; success_probability: number }> }>('GET', '/v1/admin/engines/leaderboard', { key: p.operatorKey });
      const cheap = res.body.data.find((r) => r.engine_id === ids['cheap']);
      return cheap && cheap.success_probability < 0.6 ? true : undefined;
    }, 20_000, "the cheap engine's failures to be learned");
    const after: Array<string | null> = [];
    for (let i = 0; i < 5; i++) after.push((await buy(cfg)).engine);
    expect(after).toEqual(Array(5).fill(ids['good']));
    // The auction recorded what it priced with.
    const { rows } = await pool.query<{ pricing: { strategy: string; ceilingMicros: number; probabilities: Record<string, number> } }>(
      `SELECT data->'pricing' AS pricing FROM es.events WHERE type = 'AuctionClosed' ORDER BY position DESC LIMIT 1`,
    );
    expect(rows[0]!.pricing).toMatchObject({ strategy: 'bid_cap', ceilingMicros: 2_000_000 });
    expect(rows[0]!.pricing.probabilities[ids['good']!]).toBeGreaterThan(rows[0]!.pricing.probabilities[ids['cheap']!]! + 0.3);
  }, 180_000);

  it('reports the buyer’s performance per type and engine, and ranks engines for the operator', async () => {
    const report = await api<{ granularity: string; data: Array<{ engine_id: string; outcomes: number; success_rate: number | null; cost_per_success: string | null }>; cost_trend: unknown[] }>(
      'GET',
      '/v1/reports/performance?granularity=day',
      { key },
    );
    expect(report.status).toBe(200);
    const good = report.body.data.find((r) => r.engine_id === ids['good'])!;
    const cheap = report.body.data.find((r) => r.engine_id === ids['cheap'])!;
    expect(good.success_rate!).toBeGreaterThan(0.8);
    expect(cheap.success_rate!).toBeLessThan(0.2);
    expect(good.cost_per_success).toMatch(/^\d+\.\d{2}/);
    expect(report.body.cost_trend.length).toBeGreaterThan(0);
    const board = await api<{ data: Array<{ engine_id: string; rank: number; performance_index: number }> }>('GET', '/v1/admin/engines/leaderboard?outcome_type=cs.resolve', { key: p.operatorKey });
    expect(board.body.data.map((r) => r.engine_id)).toEqual([ids['good'], ids['cheap']]);
    expect(board.body.data[0]).toMatchObject({ rank: 1, performance_index: 100 });
    // Buyers do not see the leaderboard; a bad query names its field.
    expect((await api('GET', '/v1/admin/engines/leaderboard', { key })).status).toBe(403);
    const bad = await api<{ error: { fields: Array<{ field: string }> } }>('GET', '/v1/reports/performance?granularity=month&from=yesterday', { key });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f) => f.field).sort()).toEqual(['from', 'granularity']);
  });

  it('escalates at once when no engine is likely enough to meet the configuration’s confidence threshold', async () => {
    const strict = (
      await api<{ id: string }>('POST', '/v1/configs', {
        key,
        body: {
          name: 'Strict',
          outcome_type: 'cs.resolve',
          bid_strategy: { type: 'bid_cap', bid_cap: '2.00' },
          budget: { amount: '10.00', period: 'monthly' },
          execution_preferences: { blocked_engines: ['good'] },
          escalation_policy: { enabled: true, triggers: [{ type: 'confidence_threshold', threshold: 0.6 }], handoff: { destination: { type: 'queue', queue_name: 'humans' } } },
        },
      })
    ).body.id;
    expect((await api('POST', `/v1/configs/${strict}/launch`, { key })).status).toBe(200);
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: strict, input: 'hard one' } });
    const events = await eventually(async () => {
      const { rows } = await pool.query<{ type: string; data: { trigger?: string; bids?: unknown[] } }>(`SELECT type, data FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${placed.body.id}`]);
      return rows.some((r) => r.type === 'OutcomeEscalated') ? rows : undefined;
    }, 15_000, 'the escalation');
    expect(events.find((e) => e.type === 'OutcomeEscalated')!.data.trigger).toBe('confidence_threshold');
    // No bid was asked for: the cheap engine was never invited to a likely failure.
    expect(events.find((e) => e.type === 'AuctionClosed')!.data.bids).toEqual([]);
  });

  it('tells each engine its delivery and performance indices over NATS', async () => {
    // The rounds run every 2 s here (hourly by default); each covers the outcomes since the last.
    feedbackTo['good'] = [];
    feedbackTo['cheap'] = [];
    await buy(cfg);
    const feedback = await eventually(async () => feedbackTo['good']!.find((f) => f.outcomes > 0), 30_000, 'feedback to the good engine (through the engine kit)');
    expect(feedback).toMatchObject({ engine_id: ids['good'], outcome_type: 'cs.resolve', failed: 0, escalated: 0, timed_out: 0, delivery_index: 100, performance_index: 100 });
    expect(feedback.completed).toBeGreaterThanOrEqual(1);
    expect(feedback.success_probability).toBeGreaterThan(0.7);
    // The cheap engine hears that it is dearer per success than the best.
    await buy(only('cheap'));
    const cheap = await eventually(async () => feedbackTo['cheap']!.find((f) => f.outcomes > 0), 30_000, 'feedback to the cheap engine');
    expect(cheap.performance_index!).toBeLessThan(100);
  });
});
