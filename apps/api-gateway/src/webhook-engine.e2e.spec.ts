import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connectBus, type Bus } from '@outcomes/bus';
import type { ConfigurationUpdate, PerformanceFeedback } from '@outcomes/contracts';
import { runEngine, type RunningEngine } from '@outcomes/engine-kit';
import { verifyPayload } from '@outcomes/platform';
import { OutcomesClient, type OutcomeEvent } from '@outcomes/sdk';
import { eventually, testNatsUrl } from '@outcomes/testing';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/**
 * A webhook engine: a local HTTP server implementing the engine's side of the protocol. It checks
 * the auth and signature of every call, and reports its work through the callback of its award.
 */
interface Call {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
  readonly signed: boolean;
}

let p: Platform;
let api: Api;
let key: string;
let configId: string;
let server: Server;
let engineUrl: string;
let signingSecret = '';
let mode: 'work' | 'decline' = 'work';
const calls: Call[] = [];
const callsTo = (path: string) => calls.filter((c) => c.path === path);

const post = (url: string, token: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const redeemed: unknown[] = [];

/** The engine's work on an award: the CRM credentials, a message, a checkpoint, then the result, posted back in two batches. */
async function work(award: Record<string, unknown>): Promise<void> {
  const cb = award['callback'] as { url: string; token: string };
  const [crm] = award['context_sources'] as Array<{ credentials_ref: { ref: string } }>;
  const creds = await post(`${new URL(cb.url).origin}/v1/engine-callbacks/credentials`, cb.token, { ref: crm!.credentials_ref.ref });
  redeemed.push({ status: creds.status, body: await creds.json() });
  await post(cb.url, cb.token, { events: [{ seq: 2, kind: 'checkpoint', progress_percent: 60, phase: 'reviewing' }, { seq: 1, kind: 'message', content: 'Looking at the diff.' }] });
  await post(cb.url, cb.token, { events: [{ seq: 3, kind: 'completed', result: { verdict: 'approve' }, artifacts: [{ name: 'review.md', sha256: 'b'.repeat(64) }] }] });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const signed = verifyPayload(signingSecret, raw, req.headers['outcomes-signature'] as string | undefined, Math.floor(Date.now() / 1000));
      const body = JSON.parse(raw) as Record<string, unknown>;
      calls.push({ path: req.url!, body, headers: req.headers, signed });
      const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers['authorization'] !== 'Bearer engine-token') return answer(401, { error: 'who are you?' });
      switch (req.url) {
        case '/bid-request':
          return answer(200, { price: '0.20' });
        case '/accept-award':
          if (mode === 'decline') return answer(200, { acknowledged: false, reason: 'at capacity' });
          answer(200, { acknowledged: true });
          return void setTimeout(() => void work(body), 20);
        case '/claim-filed':
          return answer(200, { answer: { kind: 'scope_statement', description: `about ${String(body['display_id'])}: the race was in code outside the diff` } });
        default:
          return answer(200, {});
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  engineUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  // A webhook bid goes through the engine gateway and an HTTP call: the first ones, on cold processes
  // beside a whole test run, can take longer than the tests' usual 300 ms. The auction still closes
  // as soon as the engine has answered.
  p = await startPlatform({ relay: true, env: { OPTIMIZER_FEEDBACK_SECONDS: '1', WEBHOOK_TIMEOUT_MS: '3000', AUCTION_TMAX_MS: '2000' } });
  api = p.api;
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme' } });
  key = buyer.body.api_key.secret;
  const cfg = await api<{ id: string }>('POST', '/v1/configs', {
    key,
    body: {
      name: 'Reviews',
      outcome_type: 'code.review',
      bid_strategy: { type: 'bid_cap', bid_cap: '1.00' },
      budget: { amount: '10.00', period: 'monthly' },
      system_prompt: 'Review for correctness.',
      context_sources: [{ name: 'github', type: 'mcp_server', url: 'https://github.example.com/mcp', credentials: { token: 'gh-secret-7' } }],
    },
  });
  expect(cfg.status).toBe(201);
  configId = cfg.body.id;
  expect((await api('POST', `/v1/configs/${configId}/launch`, { key })).status).toBe(200);
  const engine = await api<{ id: string; transport: { signing_secret: string } }>('POST', '/v1/engines', {
    key: p.operatorKey,
    body: {
      name: 'hooked-reviewer',
      vendor: 'Hooks Inc',
      model: { name: 'm', version: '1' },
      harness: { name: 'h', version: '1' },
      outcome_types: ['code.review'],
      transport: { type: 'webhook', endpoint_url: engineUrl, auth: 'bearer', credentials: { token: 'engine-token' } },
    },
  });
  expect(engine.status).toBe(201);
  signingSecret = engine.body.transport.signing_secret;
  expect(signingSecret).toMatch(/^whsec_/);
  // Shown once: reading the engine back does not reveal it.
  expect((await api<{ transport: Record<string, unknown> }>('GET', `/v1/engines/${engine.body.id}`, { key: p.operatorKey })).body.transport).not.toHaveProperty('signing_secret');
}, 120_000);

afterAll(async () => {
  await p?.close();
  await new Promise((r) => server?.close(r));
});

describe('a webhook engine', () => {
  it('bids, takes the award and streams its work back through the callback, as the SDK sees it', async () => {
    const events: OutcomeEvent[] = [];
    for await (const e of new OutcomesClient(configId, { apiKey: key, baseUrl: p.baseUrl }).run('Review PR #7')) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['requested', 'awarded', 'assistant', 'checkpoint', 'complete']);
    expect(events[1]).toMatchObject({ engine: { name: 'hooked-reviewer' }, price: '0.20' });
    expect(events[2]).toMatchObject({ content: 'Looking at the diff.' });
    expect(events[4]).toMatchObject({ result: { verdict: 'approve' } });

    const [bid] = callsTo('/bid-request');
    expect(bid!.body).toMatchObject({ outcome_id: events[0]!.outcomeId, outcome_type: 'code.review', tmax_ms: 2000 });
    const [award] = callsTo('/accept-award');
    expect(award!.body).toMatchObject({ outcome_id: events[0]!.outcomeId, config_id: configId, input: 'Review PR #7', system_prompt: 'Review for correctness.', clearing_price: '0.20' });
    expect(JSON.stringify(award!.body)).not.toContain('gh-secret-7');
    expect(redeemed).toEqual([{ status: 200, body: { credentials: { token: 'gh-secret-7' } } }]);
    expect((award!.body['callback'] as { url: string }).url).toBe(`${p.baseUrl}/v1/engine-callbacks/outcomes/${events[0]!.outcomeId}/events`);
    // Every call is signed with the engine's secret, authenticated as registered, and carries an idempotency key.
    for (const c of calls) {
      expect(c.signed).toBe(true);
      expect(c.headers['idempotency-key']).toEqual(expect.any(String));
    }
    expect(award!.headers['idempotency-key']).toContain(events[0]!.outcomeId);
  }, 30_000);

  it('refuses reports without the award’s token, for another outcome, or malformed, and records nothing', async () => {
    const award = callsTo('/accept-award').at(-1)!.body;
    const { url, token } = award['callback'] as { url: string; token: string };
    const other = `${p.baseUrl}/v1/engine-callbacks/outcomes/out_00000000000000000000000000/events`;
    const event = { events: [{ seq: 9, kind: 'failed', reason: 'hijack' }] };
    const noToken = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(noToken.status).toBe(401);
    expect((await post(url, `${token.slice(0, -4)}AAAA`, event)).status).toBe(401);
    const elsewhere = await post(other, token, event);
    expect(elsewhere.status).toBe(403);
    const malformed = await post(url, token, { events: [{ seq: 0, kind: 'checkpoint', progress_percent: 140 }] });
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { fields: Array<{ field: string }> } };
    expect(body.error.fields.map((f) => f.field).sort()).toEqual(['events[0].phase', 'events[0].progress_percent', 'events[0].seq']);
    const forged = await post(`${p.baseUrl}/v1/engine-callbacks/credentials`, token, { ref: 'cref_e30.k1.forged' });
    expect(forged.status).toBe(403);
    expect((await post(`${p.baseUrl}/v1/engine-callbacks/credentials`, 'nope', { ref: 'x' })).status).toBe(401);
    const status = await api<{ status: string }>('GET', `/v1/outcomes/${String(award['outcome_id'])}`, { key });
    expect(status.body.status).toBe('completed');
  }, 30_000);

  it('re-runs the auction without an engine that declines the award', async () => {
    mode = 'decline';
    const bus: Bus = await connectBus({ servers: testNatsUrl(), name: 'kit-engine', namespace: p.namespace });
    let kit: RunningEngine | undefined;
    try {
      const reg = await api<{ id: string }>('POST', '/v1/engines', {
        key: p.operatorKey,
        body: { name: 'kit-reviewer', vendor: 'Kit', model: { name: 'm', version: '1' }, harness: { name: 'h', version: '1' }, outcome_types: ['code.review'], transport: { type: 'nats' } },
      });
      kit = runEngine(bus, reg.body.id, {
        bid: () => ({ priceMicros: 600_000 }),
        award: (run) => {
          void run.complete({ verdict: 'request changes' });
          return true;
        },
      });
      const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'Review PR #8' } });
      const done = await eventually(async () => {
        const res = await api<{ status: string; engine: { name: string } | null }>('GET', `/v1/outcomes/${placed.body.id}`, { key });
        return res.body.status === 'completed' ? res.body : undefined;
      }, 20_000);
      expect(done.engine).toMatchObject({ name: 'kit-reviewer' });
      const pool = p.db.pool({ max: 1 });
      const { rows } = await pool.query<{ type: string; data: { reason?: string } }>(`SELECT type, data FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${placed.body.id}`]);
      expect(rows.map((r) => r.type)).toEqual(['OutcomeRequested', 'AuctionClosed', 'AwardDeclined', 'AuctionClosed', 'OutcomeAwarded', 'OutcomeCompleted']);
      expect(rows[2]!.data.reason).toBe('at capacity');
    } finally {
      mode = 'work';
      await kit?.stop();
      await bus.close();
    }
  }, 40_000);

  it('gets a revised configuration as JSON Patch from the one it last received, and feedback on its outcomes', async () => {
    const award = callsTo('/accept-award')[0]!.body;
    const revised = await api('PATCH', `/v1/configs/${configId}`, { key, body: { system_prompt: 'Review for correctness and style.' } });
    expect(revised.status).toBe(200);
    const update = await eventually(() => callsTo('/configuration-updated')[0]?.body as ConfigurationUpdate | undefined, 20_000, 'a configuration update');
    expect(update.config_id).toBe(configId);
    expect(update.patch).toEqual([{ op: 'replace', path: '/system_prompt', value: 'Review for correctness and style.' }]);
    const base = { system_prompt: award['system_prompt'], success_criteria: award['success_criteria'], delivery_constraints: award['delivery_constraints'], tools: award['tools'], context_sources: (award['context_sources'] as Array<Record<string, unknown>>).map(({ credentials_ref: _ref, ...rest }) => rest) };
    expect(jsonPatch.applyPatch(base, jsonPatch.deepClone(update.patch) as Operation[]).newDocument).toEqual(update.configuration);

    // The delivery optimizer's feedback, posted on by the engine-gateway (signed like every call: see `callsTo`).
    const feedback = await eventually(() => callsTo('/performance-feedback').map((c) => c.body as unknown as PerformanceFeedback).find((f) => f.completed >= 1), 20_000, 'performance feedback');
    expect(feedback).toMatchObject({ outcome_type: 'code.review', timed_out: 0, escalated: 0, failed: 0, delivery_index: 100, performance_index: 100 });
    expect(feedback.success_probability).toBeGreaterThan(0);
    expect(Date.parse(feedback.end_date)).toBeGreaterThan(Date.parse(feedback.start_date));
  }, 40_000);

  it('is told of a claim against its work by a signed call, and its reply is added as its evidence', async () => {
    const outcomeId = callsTo('/accept-award')[0]!.body['outcome_id'] as string;
    const filed = await eventually(async () => {
      const res = await api<{ id: string; display_id: string }>('POST', '/v1/claims', { key, body: { outcome_id: outcomeId, claim_type: 'outcome_failed', description: 'missed a race', requested_amount: '0.10' } });
      return res.status === 201 ? res.body : undefined;
    }, 20_000, 'a claim on the delivered review');
    const notice = await eventually(() => callsTo('/claim-filed').find((c) => c.body['claim_id'] === filed.id), 20_000, 'the claim notice');
    expect(notice.body).toMatchObject({ claim_id: filed.id, display_id: filed.display_id, outcome_id: outcomeId, claim_type: 'outcome_failed', requested_amount: '0.10' });
    expect(notice.signed).toBe(true);
    const answered = await eventually(async () => (await api<{ evidence: Array<{ by: string; kind: string; description: string }> }>('GET', `/v1/claims/${filed.id}`, { key })).body.evidence.find((e) => e.by === 'engine'), 20_000, 'the answer');
    expect(answered).toMatchObject({ kind: 'scope_statement', description: `about ${filed.display_id}: the race was in code outside the diff` });
  }, 60_000);
});
