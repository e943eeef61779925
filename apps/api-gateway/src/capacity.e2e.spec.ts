import { connectBus, type Bus } from '@outcomes/bus';
import { runEngine, type RunningEngine } from '@outcomes/engine-kit';
import { eventually, testNatsUrl } from '@outcomes/testing';
import { startPlatform, type Platform } from './fixtures/platform.fixture';

/** An auction service at capacity refuses new requests with 503 and Retry-After instead of queueing them without bound. */
let p: Platform;
let bus: Bus;
let engine: RunningEngine;

beforeAll(async () => {
  // Each auction stays open for its whole tmax (5 s): long enough that the second request surely finds it running.
  p = await startPlatform({ env: { AUCTION_MAX_IN_FLIGHT: '1', AUCTION_TMAX_MS: '5000', AUCTION_RESUME_AFTER_MS: '20000' } });
  bus = await connectBus({ servers: testNatsUrl(), name: 'capacity-engine', namespace: p.namespace });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
  await bus?.close();
  await p?.close();
});

it('sheds load at capacity with a retryable 503, and takes requests again once an auction ends', async () => {
  const { api, operatorKey } = p;
  const reg = await api<{ id: string }>('POST', '/v1/engines', {
    key: operatorKey,
    body: { name: 'slow', vendor: 'T', model: { name: 'm', version: '1' }, harness: { name: 'h', version: '1' }, outcome_types: ['cs.resolve'], transport: { type: 'nats' } },
  });
  // Bids arrive late: each auction stays open for its whole tmax.
  engine = runEngine(bus, reg.body.id, { bid: () => new Promise((r) => setTimeout(() => r({ decline: 'busy' }), 10_000)), award: () => true });
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: operatorKey, body: { name: 'Acme' } });
  const key = buyer.body.api_key.secret;
  const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'S', outcome_type: 'cs.resolve', bid_strategy: { type: 'highest_volume' }, budget: { amount: '5.00', period: 'total' } } });
  await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
  const place = () => api<{ id?: string; error?: { code: string } }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'x' } });
  // The auction answers (a 503 now would be "not started yet", not the shedding under test).
  await eventually(async () => ((await api('GET', '/v1/outcomes/out_00000000000000000000000000', { key })).status === 404 ? true : undefined), 30_000, 'the auction to answer');

  const first = await place();
  expect(first.status).toBe(201);
  const second = await place();
  expect(second.status).toBe(503);
  expect(second.body.error).toMatchObject({ code: 'service_unavailable' });
  expect(second.headers.get('retry-after')).toBe('1');
  // Nothing was recorded for the refused request: one outcome, the first.
  const pool = p.db.pool({ max: 1 });
  expect((await pool.query(`SELECT count(*)::int AS n FROM es.events WHERE type = 'OutcomeRequested'`)).rows[0]).toEqual({ n: 1 });
  await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${first.body.id}`, { key })).body.status === 'escalated' ? true : undefined), 20_000);
  expect((await place()).status).toBe(201);
}, 60_000);
