import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/** The operator's engine registry over HTTP, against the engine gateway running as a process. */
let p: Platform;
let api: Api;
let pool: import('pg').Pool;

beforeAll(async () => {
  p = await startPlatform();
  api = p.api;
  pool = p.db.pool({ max: 2 });
}, 120_000);
afterAll(() => p?.close());

const natsEngine = {
  name: 'claude-code',
  vendor: 'Anthropic',
  model: { name: 'claude', version: '4.5' },
  harness: { name: 'claude-code', version: '2.1' },
  outcome_types: ['code.review', 'code.fix'],
  capabilities: ['code_execution'],
  regions: ['us'],
  max_concurrent_outcomes: 50,
  transport: { type: 'nats' },
};
const webhookEngine = {
  ...natsEngine,
  name: 'gpt-5-devin',
  vendor: 'Cognition',
  transport: { type: 'webhook', endpoint_url: 'https://engine.devin.test/outcomes', auth: 'bearer', credentials: { token: 'engine-bearer-secret-9' } },
};

describe('engine registry', () => {
  it('registers engines for the operator only, sealing webhook credentials and never returning them', async () => {
    const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Buyer' } });
    expect((await api('POST', '/v1/engines', { key: buyer.body.api_key.secret, body: natsEngine })).status).toBe(403);

    const nats = await api('POST', '/v1/engines', { key: p.operatorKey, body: natsEngine });
    expect(nats.status).toBe(201);
    expect(nats.body).toMatchObject({ object: 'engine', name: 'claude-code', status: 'active', version: 1, transport: { type: 'nats' }, max_concurrent_outcomes: 50 });
    const hook = await api<{ id: string }>('POST', '/v1/engines', { key: p.operatorKey, body: webhookEngine });
    expect(hook.body).toMatchObject({ transport: { type: 'webhook', auth: 'bearer', has_credentials: true } });
    expect(JSON.stringify(hook.body)).not.toContain('engine-bearer-secret-9');
    const { rows } = await pool.query<{ data: string }>(`SELECT data::text FROM es.events WHERE stream_id = $1`, [`engine-${hook.body.id}`]);
    expect(rows[0]!.data).not.toContain('engine-bearer-secret-9');
  });

  it('refuses a taken name with 409 and bad input with 400 naming the fields, storing nothing', async () => {
    const before = (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM es.events WHERE stream_id LIKE 'engine-%'`)).rows[0]!.n;
    const taken = await api('POST', '/v1/engines', { key: p.operatorKey, body: natsEngine });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: 'already_exists', fields: [{ field: 'name' }] } });
    const bad = await api<{ error: { fields: Array<{ field: string }> } }>('POST', '/v1/engines', {
      key: p.operatorKey,
      body: { ...natsEngine, name: 'Bad Name', outcome_types: [], transport: { type: 'webhook', endpoint_url: 'http://plain.test' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['name', 'outcome_types', 'transport.endpoint_url', 'transport.auth']));
    const after = (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM es.events WHERE stream_id LIKE 'engine-%'`)).rows[0]!.n;
    expect(after).toBe(before);
  });

  it('updates with If-Match, suspends and reinstates, and lists', async () => {
    const list = await api<{ data: Array<{ id: string; name: string }> }>('GET', '/v1/engines', { key: p.operatorKey });
    const id = list.body.data.find((e) => e.name === 'claude-code')!.id;
    const updated = await api('PATCH', `/v1/engines/${id}`, { key: p.operatorKey, body: { max_concurrent_outcomes: 80, capabilities: ['code_execution', 'web_browsing'] }, headers: { 'if-match': '1' } });
    expect(updated.body).toMatchObject({ version: 2, max_concurrent_outcomes: 80, capabilities: ['code_execution', 'web_browsing'] });
    expect((await api('PATCH', `/v1/engines/${id}`, { key: p.operatorKey, body: { regions: ['eu'] }, headers: { 'if-match': '1' } })).status).toBe(409);
    expect((await api('PATCH', `/v1/engines/${id}`, { key: p.operatorKey, body: { name: 'renamed' } })).status).toBe(400);
    expect((await api('POST', `/v1/engines/${id}/suspend`, { key: p.operatorKey, body: { reason: 'missed its SLA' } })).body).toMatchObject({ status: 'suspended', suspended_reason: 'missed its SLA' });
    expect((await api('POST', `/v1/engines/${id}/reinstate`, { key: p.operatorKey })).body).toMatchObject({ status: 'active', suspended_reason: null });
    expect((await api('GET', '/v1/engines/eng_00000000000000000000000000', { key: p.operatorKey })).status).toBe(404);
  });
});
