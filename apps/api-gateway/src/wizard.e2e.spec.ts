import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/** The buyer's wizard over HTTP, against the catalog and gateway running as processes. */
let p: Platform;
let api: Api;
let key: string;
let pool: import('pg').Pool;

beforeAll(async () => {
  p = await startPlatform();
  api = p.api;
  pool = p.db.pool({ max: 2 });
  const created = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme Support' } });
  expect(created.status).toBe(201);
  key = created.body.api_key.secret;
}, 120_000);
afterAll(() => p?.close());

const supportConfig = {
  name: 'Tier-1 support',
  outcome_type: 'cs.resolve',
  context_sources: [
    { name: 'help center', type: 'url', url: 'https://help.acme.test' },
    { name: 'crm', type: 'mcp_server', url: 'https://crm.acme.test/mcp', server_tools: ['get_customer', 'get_orders'], credentials: { token: 'crm-secret-token-42' } },
  ],
  tools: {
    read_only: [{ name: 'get_order_status', kind: 'mcp_server', permissions: ['orders:read'] }],
    write: [{ name: 'process_refund', kind: 'api', endpoint: 'https://api.acme.test/refunds', limits: { max_amount: '50.00', require_approval: false } }],
  },
  success_criteria: {
    required: [{ metric: 'resolution_confirmed', operator: 'eq', value: true }],
    optional: [{ metric: 'customer_satisfaction', operator: 'gte', value: 4 }],
  },
  delivery_constraints: { max_latency_seconds: 300, latency_preference: 'fastest', max_attempts: 3 },
  escalation_policy: {
    enabled: true,
    triggers: [
      { type: 'confidence_threshold', threshold: 0.7 },
      { type: 'explicit_request', patterns: ['speak to a human'] },
    ],
    handoff: { destination: { type: 'webhook', url: 'https://hooks.acme.test/escalations', credentials: { signing_secret: 'whsec-hidden-77' } } },
    partial_billing: { model: 'fixed_triage_fee', fee: '0.05' },
  },
  bid_strategy: { type: 'cost_per_result', cost_per_result_goal: '0.50' },
  budget: { amount: '500.00', period: 'monthly' },
  execution_preferences: { blocked_engines: ['experimental-*'], preferred_engine: 'claude-code' },
  system_prompt: 'You are Acme support. Be brief.',
};

describe('the wizard, for a cAPI-verified type', () => {
  let id: string;

  it('drafts a configuration with every step of the wizard, and never returns credentials', async () => {
    const res = await api('POST', '/v1/configs', { key, body: supportConfig });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({
      object: 'config',
      status: 'draft',
      version: 1,
      outcome_type: 'cs.resolve',
      outcome_type_version: 1,
      bid_strategy: { type: 'cost_per_result', cost_per_result_goal: '0.50' },
      budget: { amount: '500.00', period: 'monthly' },
      guarantee_terms: null,
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('crm-secret-token-42');
    expect(text).not.toContain('whsec-hidden-77');
    expect(text).toContain('"has_credentials":true');
    id = (res.body as { id: string }).id;
    expect(id).toMatch(/^cfg_/);
  });

  it('keeps credentials encrypted at rest in the event store', async () => {
    const { rows } = await pool.query<{ data: string }>(`SELECT data::text FROM es.events WHERE stream_id = $1`, [`config-${id}`]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).not.toContain('crm-secret-token-42');
    expect(rows[0]!.data).not.toContain('whsec-hidden-77');
    expect(rows[0]!.data).toContain('ciphertext');
  });

  it('revises with If-Match, refusing a stale version with 409', async () => {
    const ok = await api('PATCH', `/v1/configs/${id}`, { key, body: { budget: { amount: '750.00', period: 'monthly' } }, headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: 2, budget: { amount: '750.00' } });
    const stale = await api('PATCH', `/v1/configs/${id}`, { key, body: { system_prompt: 'x' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { status: 409, code: 'version_conflict' } });
    expect((await api('GET', `/v1/configs/${id}`, { key })).body).toMatchObject({ version: 2, system_prompt: supportConfig.system_prompt });
  });

  it('launches with a pricing summary, pauses, resumes and archives, each change an event with who made it', async () => {
    const launched = await api('POST', `/v1/configs/${id}/launch`, { key });
    expect(launched.status).toBe(200);
    expect(launched.body).toMatchObject({
      status: 'launched',
      pricing_summary: { typical_price: { min: '0.15', max: '0.75' }, ceiling: null, estimated_volume: { min: 1500, max: 1500, period: 'monthly' } },
    });
    expect((await api('POST', `/v1/configs/${id}/pause`, { key })).body).toMatchObject({ status: 'paused' });
    expect((await api('POST', `/v1/configs/${id}/launch`, { key })).body).toMatchObject({ status: 'launched' });
    expect((await api('POST', `/v1/configs/${id}/archive`, { key })).body).toMatchObject({ status: 'archived', version: 6 });
    const refused = await api('PATCH', `/v1/configs/${id}`, { key, body: { system_prompt: 'too late' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: { code: 'rule_violation', fields: [{ field: 'status' }] } });

    const { rows } = await pool.query<{ type: string; actor: string }>(`SELECT type, metadata->>'actor' AS actor FROM es.events WHERE stream_id = $1 ORDER BY version`, [`config-${id}`]);
    expect(rows.map((r) => r.type)).toEqual(['ConfigDrafted', 'ConfigRevised', 'ConfigLaunched', 'ConfigPaused', 'ConfigLaunched', 'ConfigArchived']);
    expect(new Set(rows.map((r) => r.actor))).toEqual(new Set([expect.stringMatching(/^key_/)]));
  });
});

describe('the wizard, for a guarantee-backed type', () => {
  it('drafts an NDA configuration with guarantee terms and launches with the premium in the pricing', async () => {
    const draft = await api('POST', '/v1/configs', {
      key,
      body: {
        name: 'NDAs for sales',
        outcome_type: 'legal.draft_nda',
        context_sources: [{ name: 'template', type: 'inline', content: 'Our mutual NDA template...' }],
        bid_strategy: { type: 'bid_cap', bid_cap: '40.00' },
        budget: { amount: '2000.00', period: 'total' },
        guarantee_terms: { level: 'full', max_payout: '1200.00', claim_window_days: 730 },
      },
    });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ guarantee_terms: { level: 'full', max_payout: '1200.00', claim_window_days: 730 } });
    const launched = await api('POST', `/v1/configs/${(draft.body as { id: string }).id}/launch`, { key });
    expect(launched.status).toBe(200);
    expect(launched.body).toMatchObject({ status: 'launched', pricing_summary: { guarantee_premium_percent: 20, ceiling: '40.00' } });
  });

  it('takes the default claim window when the buyer sets none, and refuses one outside the bounds with 422', async () => {
    const draft = await api('POST', '/v1/configs', { key, body: { name: 'Reviews', outcome_type: 'code.review' } });
    expect(draft.body).toMatchObject({ guarantee_terms: { level: 'basic', claim_window_days: 30 } });
    const bad = await api('POST', '/v1/configs', { key, body: { name: 'Reviews', outcome_type: 'code.review', guarantee_terms: { level: 'basic', claim_window_days: 3650 } } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error: { code: 'rule_violation', fields: [{ field: 'guarantee_terms.claim_window_days' }] } });
  });
});

describe('the catalog over HTTP', () => {
  it('lists the fourteen platform types and shows one with its schema', async () => {
    const list = await api<{ data: Array<{ key: string }> }>('GET', '/v1/catalog/types', { key });
    expect(list.body.data.map((t) => t.key)).toEqual(
      expect.arrayContaining(['cs.resolve', 'code.review', 'code.fix', 'code.generate', 'legal.review', 'legal.summarize', 'legal.compare', 'legal.draft_nda', 'legal.draft_msa', 'legal.draft_dpa', 'medical.scribe', 'medical.code', 'medical.summarize', 'medical.triage']),
    );
    const one = await api('GET', '/v1/catalog/types/medical.scribe', { key });
    expect(one.body).toMatchObject({ key: 'medical.scribe', version: 1, verification: 'guarantee_backed', claim_window: { default_days: 90 } });
    expect((await api('GET', '/v1/catalog/types/medical.nothing', { key })).status).toBe(404);
  });

  it('lets the operator register and revise a custom type; configurations stay pinned to their version', async () => {
    const base = (await api<Record<string, unknown>>('GET', '/v1/catalog/types/code.review', { key })).body;
    const { version: _v, origin: _o, published_at: _p, object: _ob, ...definition } = base;
    const custom = { ...definition, key: 'acme.insurance.claim_assessment', name: 'Claim assessment' };
    expect((await api('POST', '/v1/catalog/types', { key, body: custom })).status).toBe(403);
    const registered = await api('POST', '/v1/catalog/types', { key: p.operatorKey, body: custom });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ key: 'acme.insurance.claim_assessment', version: 1, origin: 'operator' });
    expect((await api('POST', '/v1/catalog/types', { key: p.operatorKey, body: custom })).status).toBe(409);

    const pinned = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Claims', outcome_type: 'acme.insurance.claim_assessment' } });
    const revised = await api('PUT', '/v1/catalog/types/acme.insurance.claim_assessment', { key: p.operatorKey, body: { ...custom, description: 'Revised' }, headers: { 'if-match': '1' } });
    expect(revised.body).toMatchObject({ version: 2, description: 'Revised' });
    expect((await api('PUT', '/v1/catalog/types/acme.insurance.claim_assessment', { key: p.operatorKey, body: custom, headers: { 'if-match': '1' } })).status).toBe(409);
    expect((await api('GET', '/v1/catalog/types/acme.insurance.claim_assessment?version=1', { key })).body).toMatchObject({ version: 1, name: 'Claim assessment' });
    expect((await api('GET', `/v1/configs/${pinned.body.id}`, { key })).body).toMatchObject({ outcome_type_version: 1 });
  });
});

describe('docs and health', () => {
  it('serves the OpenAPI document generated from the DTOs, and the docs page', async () => {
    const doc = await api<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>('GET', '/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/configs', '/v1/configs/{id}', '/v1/configs/{id}/launch', '/v1/buyers', '/v1/keys', '/v1/catalog/types']));
    expect(Object.keys(doc.body.components.schemas)).toEqual(expect.arrayContaining(['CreateConfigDto', 'UpdateConfigDto']));
    const page = await fetch(`${p.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('answers liveness and readiness', async () => {
    expect((await api('GET', '/health/live')).status).toBe(200);
    expect((await api('GET', '/health/ready')).body).toMatchObject({ status: 'ok' });
  });
});
