import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/** Keys, tenancy, bad input, idempotency, pagination and rate limits, over HTTP against real processes. */
let p: Platform;
let api: Api;
let alice: { id: string; key: string; keyId: string };
let bob: { id: string; key: string };

const createBuyer = async (name: string) => {
  const res = await api<{ id: string; api_key: { id: string; secret: string; scope: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name } });
  expect(res.status).toBe(201);
  expect(res.body.api_key.scope).toBe('full');
  return { id: res.body.id, key: res.body.api_key.secret, keyId: res.body.api_key.id };
};

let pool: import('pg').Pool;
const countEvents = async (category: string): Promise<number> => {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM es.events WHERE stream_id LIKE $1`, [`${category}-%`]);
  return Number(rows[0]!.n);
};

const draftBody = { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'highest_volume' }, budget: { amount: '100.00', period: 'daily' } };

beforeAll(async () => {
  p = await startPlatform();
  api = p.api;
  pool = p.db.pool({ max: 2 });
  alice = await createBuyer('Alice Co');
  bob = await createBuyer('Bob Ltd');
}, 120_000);
afterAll(() => p?.close());

describe('authentication', () => {
  it('refuses a missing, malformed or unknown key with 401, and the operator key on buyer routes with 403', async () => {
    expect((await api('GET', '/v1/configs')).body).toMatchObject({ error: { status: 401, code: 'unauthenticated' } });
    expect((await api('GET', '/v1/configs', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await api('GET', '/v1/configs', { key: 'osk_not-a-real-key' })).status).toBe(401);
    expect((await api('GET', '/v1/configs', { key: p.operatorKey })).status).toBe(403);
    expect((await api('POST', '/v1/buyers', { key: alice.key, body: { name: 'x' } })).status).toBe(403);
  });

  it('stops a revoked key at once', async () => {
    const issued = await api<{ id: string; secret: string }>('POST', '/v1/keys', { key: alice.key, body: { name: 'ci' } });
    expect(issued.status).toBe(201);
    expect((await api('GET', '/v1/configs', { key: issued.body.secret })).status).toBe(200);
    const revoked = await api('DELETE', `/v1/keys/${issued.body.id}`, { key: alice.key });
    expect(revoked.body).toMatchObject({ id: issued.body.id, status: 'revoked' });
    expect((await api('GET', '/v1/configs', { key: issued.body.secret })).status).toBe(401);
  });

  it('lets a conversions-only key read the catalog but not configurations', async () => {
    const issued = await api<{ secret: string; scope: string }>('POST', '/v1/keys', { key: alice.key, body: { scope: 'conversions' } });
    expect(issued.body.scope).toBe('conversions');
    expect((await api('GET', '/v1/catalog/types', { key: issued.body.secret })).status).toBe(200);
    expect((await api('GET', '/v1/configs', { key: issued.body.secret })).body).toMatchObject({ error: { status: 403, code: 'forbidden' } });
  });

  it('lists keys with their last use and never their secrets', async () => {
    const list = await api<{ data: Array<Record<string, unknown>> }>('GET', '/v1/keys', { key: alice.key });
    const first = list.body.data.find((k) => k['id'] === alice.keyId);
    expect(first).toMatchObject({ status: 'active', scope: 'full', last_used_at: expect.any(String) });
    expect(JSON.stringify(list.body)).not.toContain(alice.key);
  });
});

describe('one buyer cannot reach another buyer’s configurations or keys', () => {
  it('answers every route on another buyer’s resource exactly as on a missing one', async () => {
    const own = await api<{ id: string }>('POST', '/v1/configs', { key: alice.key, body: draftBody });
    const id = own.body.id;
    const missing = 'cfg_00000000000000000000000000';
    const routes: Array<[string, (cfg: string) => string, unknown]> = [
      ['GET', (c) => `/v1/configs/${c}`, undefined],
      ['PATCH', (c) => `/v1/configs/${c}`, { system_prompt: 'mine now' }],
      ['POST', (c) => `/v1/configs/${c}/launch`, undefined],
      ['POST', (c) => `/v1/configs/${c}/pause`, undefined],
      ['POST', (c) => `/v1/configs/${c}/archive`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const theirs = await api(method, path(id), { key: bob.key, ...(body ? { body } : {}) });
      const none = await api(method, path(missing), { key: bob.key, ...(body ? { body } : {}) });
      expect([method, theirs.status]).toEqual([method, 404]);
      expect(JSON.stringify(theirs.body).replace(id, 'ID')).toBe(JSON.stringify(none.body).replace(missing, 'ID'));
    }
    const keys = await api('DELETE', `/v1/keys/${alice.keyId}`, { key: bob.key });
    expect(keys.status).toBe(404);
    const bobsList = await api<{ data: Array<{ id: string }> }>('GET', '/v1/configs', { key: bob.key });
    expect(bobsList.body.data.map((c) => c.id)).not.toContain(id);
    const bobsKeys = await api<{ data: Array<{ id: string }> }>('GET', '/v1/keys', { key: bob.key });
    expect(bobsKeys.body.data.map((k) => k.id)).not.toContain(alice.keyId);
    expect((await api('GET', `/v1/configs/${id}`, { key: alice.key })).body).toMatchObject({ status: 'draft', version: 1 });
  });
});

describe('bad input gets its 4xx and changes nothing', () => {
  it.each([
    ['a missing name', { ...draftBody, name: undefined }, 400, 'name'],
    ['an unknown property', { ...draftBody, colour: 'red' }, 400, 'colour'],
    ['a bid cap strategy without its cap', { ...draftBody, bid_strategy: { type: 'bid_cap' } }, 400, 'bid_strategy.bid_cap'],
    ['money as a number', { ...draftBody, budget: { amount: 100, period: 'daily' } }, 400, 'budget.amount'],
    ['a threshold above 1', { ...draftBody, escalation_policy: { enabled: false, triggers: [{ type: 'confidence_threshold', threshold: 1.5 }] } }, 400, 'escalation_policy.triggers[0].threshold'],
    ['an outcome type not in the catalog', { ...draftBody, outcome_type: 'cs.nothing' }, 422, 'outcome_type'],
    ['a metric the type does not have', { ...draftBody, success_criteria: { required: [{ metric: 'vibes', operator: 'eq', value: true }] } }, 422, 'success_criteria.required[0].metric'],
    ['guarantee terms on a cAPI type', { ...draftBody, guarantee_terms: { level: 'basic' } }, 422, 'guarantee_terms'],
  ])('%s', async (_what, body, status, field) => {
    const before = await countEvents('config');
    const res = await api<{ error: { status: number; fields: Array<{ field: string; reason: string }> } }>('POST', '/v1/configs', { key: alice.key, body });
    expect(res.status).toBe(status);
    expect(res.body.error.status).toBe(status);
    expect(res.body.error.fields.map((f) => f.field)).toContain(field);
    expect(res.body.error.fields.every((f) => f.reason.length > 0)).toBe(true);
    expect(await countEvents('config')).toBe(before);
  });

  it('lists every invalid field at once', async () => {
    const res = await api<{ error: { fields: Array<{ field: string }> } }>('POST', '/v1/configs', {
      key: alice.key,
      body: { outcome_type: 'CS', budget: { amount: '-1', period: 'hourly' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['name', 'outcome_type', 'budget.amount', 'budget.period']));
  });

  it('answers malformed JSON and a bad If-Match with 400, never 500', async () => {
    const res = await api('POST', '/v1/configs', { key: alice.key, raw: '{"name": ' });
    expect(res.body).toMatchObject({ error: { status: 400, code: 'validation_failed', fields: [{ field: 'body', reason: 'is not valid JSON' }] } });
    const own = await api<{ id: string }>('POST', '/v1/configs', { key: alice.key, body: draftBody });
    expect((await api('PATCH', `/v1/configs/${own.body.id}`, { key: alice.key, body: {}, headers: { 'if-match': 'yesterday' } })).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first answer for the same key and body, and 422 for the same key with another body', async () => {
    const headers = { 'idempotency-key': 'draft-2026-11-22-001' };
    const before = await countEvents('config');
    const first = await api<{ id: string }>('POST', '/v1/configs', { key: alice.key, body: draftBody, headers });
    const again = await api<{ id: string }>('POST', '/v1/configs', { key: alice.key, body: draftBody, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await countEvents('config')).toBe(before + 1);
    const other = await api('POST', '/v1/configs', { key: alice.key, body: { ...draftBody, name: 'Other' }, headers });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    // Another buyer's identical key is another request.
    const bobs = await api<{ id: string }>('POST', '/v1/configs', { key: bob.key, body: draftBody, headers });
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(first.body.id);
  });

  it("keeps a refusal as it keeps a success: the retry gets the same 4xx, replayed, and nothing runs", async () => {
    const headers = { 'idempotency-key': 'bad-draft-001' };
    const before = await countEvents('config');
    const first = await api<{ error: { code: string; fields: unknown } }>('POST', '/v1/configs', { key: alice.key, body: { ...draftBody, outcome_type: 7 }, headers });
    const again = await api<{ error: { code: string; fields: unknown } }>('POST', '/v1/configs', { key: alice.key, body: { ...draftBody, outcome_type: 7 }, headers });
    expect(first.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await countEvents('config')).toBe(before);
  });

  it('runs concurrent retries of one key once: the others get the same answer or 409 while it runs', async () => {
    const headers = { 'idempotency-key': 'concurrent-001' };
    const before = await countEvents('config');
    const answers = await Promise.all(Array.from({ length: 6 }, () => api<{ id?: string; error?: { code: string } }>('POST', '/v1/configs', { key: alice.key, body: draftBody, headers })));
    expect(await countEvents('config')).toBe(before + 1);
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
    expect(ids.size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a.body.error?.code).toBe('idempotency_in_progress');
    const settled = await api<{ id: string }>('POST', '/v1/configs', { key: alice.key, body: draftBody, headers });
    expect(settled.headers.get('idempotent-replayed')).toBe('true');
    expect(ids.has(settled.body.id)).toBe(true);
  });
});

describe('cursor pagination', () => {
  it('walks every configuration once, newest first', async () => {
    const buyer = await createBuyer('Pager Inc');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api<{ id: string }>('POST', '/v1/configs', { key: buyer.key, body: { ...draftBody, name: `c${i}` } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: Array<{ id: string }>; has_more: boolean; next_cursor: string | null } } = await api('GET', `/v1/configs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: buyer.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((c) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await api('GET', '/v1/configs?limit=0', { key: buyer.key })).status).toBe(400);
    expect((await api('GET', '/v1/configs?cursor=%%%', { key: buyer.key })).status).toBe(400);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the burst', async () => {
    const limited = await p.gateway({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const res = await limited('GET', '/v1/catalog/types', { key: bob.key });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another key has its own allowance.
    expect((await limited('GET', '/v1/catalog/types', { key: alice.key })).status).toBe(200);
  });
});
