import { createHash } from 'node:crypto';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/** The Conversions API against the running platform: intake, deduplication, the rules, test events. */
let p: Platform;
let api: Api;
let key: string;
let conversionsKey: string;
let outcomeId: string;
let sessionId: string;
let turnId: string;

const now = () => new Date().toISOString();
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

beforeAll(async () => {
  p = await startPlatform();
  api = p.api;
  const buyer = await api<{ id: string; api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme' } });
  key = buyer.body.api_key.secret;
  conversionsKey = (await api<{ secret: string }>('POST', '/v1/keys', { key, body: { scope: 'conversions', name: 'crm' } })).body.secret;
  const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'highest_volume' }, budget: { amount: '5.00', period: 'total' } } });
  await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
  outcomeId = (await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'where is my order?' } })).body.id;
  sessionId = (await api<{ id: string }>('POST', '/v1/sessions', { key, body: { config_id: cfg.body.id } })).body.id;
  turnId = (await api<{ id: string }>('POST', `/v1/sessions/${sessionId}/turns`, { key, body: { input: 'hello' } })).body.id;
}, 120_000);
afterAll(() => p?.close());

describe('the Conversions API', () => {
  it('records an event once: a repeat is acknowledged and not processed again, and its status can be read', async () => {
    const event = { event_id: 'zd-1001-resolved', event_type: 'outcome.success', event_time: now(), outcome_id: outcomeId, success_criteria_results: { no_reopen_24h: true }, outcome_value: { amount: '15.00', currency: 'USD' } };
    const first = await api('POST', '/v1/events', { key: conversionsKey, body: event });
    expect(first).toMatchObject({ status: 200, body: { success: true, event_id: 'zd-1001-resolved', status: 'accepted' } });
    const again = await api('POST', '/v1/events', { key: conversionsKey, body: event });
    expect(again.body).toMatchObject({ status: 'duplicate' });
    const read = await api('GET', '/v1/events/zd-1001-resolved', { key });
    expect(read.body).toMatchObject({ event_id: 'zd-1001-resolved', event_type: 'outcome.success', outcome_ids: [outcomeId], test: false, status: 'accepted' });
    const pool = p.db.pool({ max: 1 });
    // Sent again once its time has aged past 7 days: still a repeat, acknowledged, not refused.
    const aged = await api<{ status: string }>('POST', '/v1/events', { key, body: { ...event, event_time: new Date(Date.now() - 8 * 86_400_000).toISOString() } });
    expect(aged).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM es.events, jsonb_array_elements(data->'conversions') c WHERE type = 'ConversionsReported' AND c->>'eventId' = 'zd-1001-resolved'`);
    expect(rows[0]!.n).toBe(1);
  });

  it('answers an unknown outcome and another buyer’s alike, refuses stale and future times, and names bad fields', async () => {
    const other = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Other' } });
    const base = { event_type: 'outcome.failure', event_time: now() };
    const unknown = await api('POST', '/v1/events', { key, body: { ...base, event_id: 'u1', outcome_id: 'out_00000000000000000000000000' } });
    const theirs = await api('POST', '/v1/events', { key: other.body.api_key.secret, body: { ...base, event_id: 'u2', outcome_id: outcomeId } });
    expect(unknown.status).toBe(404);
    expect(theirs.status).toBe(404);
    expect((theirs.body as { error: { fields: unknown } }).error.fields).toEqual([{ field: 'outcome_id', reason: 'does not exist' }]);
    const stale = await api('POST', '/v1/events', { key, body: { ...base, event_id: 'u3', outcome_id: outcomeId, event_time: ago(8 * 24 * 3600 * 1000) } });
    expect(stale.status).toBe(422);
    expect(stale.body).toMatchObject({ error: { fields: [{ field: 'event_time', reason: 'is more than 7 days old' }] } });
    const ahead = await api('POST', '/v1/events', { key, body: { ...base, event_id: 'u4', outcome_id: outcomeId, event_time: ago(-11 * 60 * 1000) } });
    expect(ahead.status).toBe(422);
    const bad = await api<{ error: { fields: Array<{ field: string }> } }>('POST', '/v1/events', { key, body: { event_id: 'u5', event_type: 'outcome.won', event_time: 'yesterday', score: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f) => f.field).sort()).toEqual(['event_time', 'event_type', 'outcome_id', 'score']);
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM capi.events WHERE event_id LIKE 'u%'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('answers a batch event by event: good ones recorded, bad ones named, repeats acknowledged', async () => {
    const t = now();
    const res = await api<{ success: boolean; processed: number; failed: number; results: Array<{ event_id: string; status: string; error?: { fields?: Array<{ field: string }> } }> }>('POST', '/v1/events/batch', {
      key,
      body: {
        events: [
          { event_id: 'b1', event_type: 'outcome.success', event_time: t, outcome_id: outcomeId },
          { event_id: 'b2', event_type: 'feedback.rating', event_time: t, outcome_id: outcomeId, rating: 9 },
          { event_id: 'b3', event_type: 'feedback.rating', event_time: t, outcome_id: outcomeId, rating: 4, notes: 'the customer, Jane Roe, was delighted' },
          { event_id: 'b1', event_type: 'outcome.success', event_time: t, outcome_id: outcomeId },
          { event_id: 'zd-1001-resolved', event_type: 'outcome.success', event_time: t, outcome_id: outcomeId },
          { event_id: 'b4', event_type: 'outcome.success', event_time: t, outcome_id: 'out_00000000000000000000000000' },
          { event_id: 'b5', event_type: 'outcome.success', event_time: t, session_id: sessionId, test_event_code: 'TEST42' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => `${r.event_id}:${r.status}`)).toEqual(['b1:accepted', 'b2:rejected', 'b3:accepted', 'b1:duplicate', 'zd-1001-resolved:duplicate', 'b4:not_found', 'b5:accepted']);
    expect(res.body.results[1]!.error!.fields).toEqual([{ field: 'events[1].rating', reason: 'rating must be a whole number from 1 to 5 when event_type is feedback.rating' }]);
    expect(res.body).toMatchObject({ success: false, processed: 5, failed: 2 });

    const pool = p.db.pool({ max: 1 });
    // Notes arrive hashed and are never stored raw.
    const stored = await pool.query<{ data: Record<string, unknown> }>(`SELECT c AS data FROM es.events, jsonb_array_elements(data->'conversions') c WHERE type = 'ConversionsReported' AND c->>'eventId' = 'b3'`);
    expect(stored.rows[0]!.data['notesSha256']).toBe(createHash('sha256').update('the customer, Jane Roe, was delighted').digest('hex'));
    const leaked = await pool.query<{ n: number }>(`SELECT (SELECT count(*) FROM es.events WHERE data::text LIKE '%Jane Roe%') + (SELECT count(*) FROM capi.events WHERE actions::text LIKE '%Jane Roe%') AS n`);
    expect(Number(leaked.rows[0]!.n)).toBe(0);
    // A test event is kept apart: its own stream category, marked as a test, and it names the session's turns.
    const test = await pool.query<{ stream_id: string; data: { outcomeIds: string[]; test: unknown } }>(`SELECT stream_id, c AS data FROM es.events, jsonb_array_elements(data->'conversions') c WHERE type = 'ConversionsReported' AND c->>'eventId' = 'b5'`);
    expect(test.rows[0]!.stream_id).toMatch(/^conversiontest-buy_/);
    expect(test.rows[0]!.data).toMatchObject({ outcomeIds: [turnId], test: { code: 'TEST42' } });
    expect((await api('GET', '/v1/events/b5', { key })).body).toMatchObject({ test: true, session_id: sessionId, outcome_ids: [turnId] });
  });

  it('stores a batch too large for one bus message as several events of one stream, each conversion once', async () => {
    const t = now();
    const evidence = { transcript_excerpt: 'x'.repeat(1500) };
    const events = Array.from({ length: 400 }, (_, n) => ({ event_id: `big-${n}`, event_type: 'outcome.success', event_time: t, outcome_id: outcomeId, verification: evidence }));
    const res = await api<{ processed: number }>('POST', '/v1/events/batch', { key, body: { events } });
    expect(res).toMatchObject({ status: 200, body: { processed: 400 } });
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ stream_id: string; n: number; bytes: number }>(
      `SELECT stream_id, jsonb_array_length(data->'conversions') AS n, length(data::text) AS bytes FROM es.events WHERE type = 'ConversionsReported' AND data->'conversions'->0->>'eventId' LIKE 'big-%' ORDER BY position`,
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.stream_id)).size).toBe(1);
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(400);
    for (const r of rows) expect(r.bytes).toBeLessThan(600 * 1024);
  });

  it('refuses a batch whose envelope is wrong with a 400 naming the field, and records nothing', async () => {
    const event = (n: number) => ({ event_id: `env-${n}`, event_type: 'outcome.success', event_time: now(), outcome_id: outcomeId });
    const tooMany = await api<{ error: { code: string; fields: unknown[] } }>('POST', '/v1/events/batch', { key, body: { events: Array.from({ length: 1001 }, (_, n) => event(n)) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'events', reason: 'events must contain no more than 1000 events' }] });
    const notArray = await api<{ error: { fields: unknown[] } }>('POST', '/v1/events/batch', { key, body: { events: event(1), extra: true } });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.fields).toEqual([
      { field: 'extra', reason: 'property extra should not exist' },
      { field: 'events', reason: 'events must be an array' },
    ]);
    // The body travels to capi-ingest as bytes: what is not JSON, or not UTF-8, is still a 400 naming the body.
    const broken = await api<{ error: { fields: unknown[] } }>('POST', '/v1/events/batch', { key, raw: `{"events":[${JSON.stringify(event(2))}` });
    expect(broken.status).toBe(400);
    expect(broken.body.error.fields).toEqual([{ field: 'body', reason: 'is not valid JSON' }]);
    const latin = await api<{ error: { fields: unknown[] } }>('POST', '/v1/events/batch', { key, raw: JSON.stringify({ events: [event(3)] }), headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin.status).toBe(400);
    expect(latin.body.error.fields).toEqual([{ field: 'body', reason: 'charset latin1 is not supported' }]);
    // The bytes go on in one NATS message: a body that would not fit is refused here, not half-sent.
    const huge = await api<{ error: { fields: Array<{ field: string; reason: string }> } }>('POST', '/v1/events/batch', { key, raw: JSON.stringify({ events: [{ ...event(4), notes: 'n'.repeat(1_100_000) }] }) });
    expect(huge.status).toBe(400);
    expect(huge.body.error.fields[0]).toMatchObject({ field: 'body', reason: expect.stringMatching(/^is larger than \d+ bytes$/) });
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM capi.events WHERE event_id LIKE 'env-%'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('takes repeats of one event sent at once exactly once', async () => {
    const event = { event_id: 'race-1', event_type: 'outcome.success', event_time: now(), outcome_id: outcomeId };
    const answers = await Promise.all(Array.from({ length: 6 }, () => api<{ status: string }>('POST', '/v1/events', { key, body: event })));
    expect(answers.map((a) => a.body.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
  });
});
