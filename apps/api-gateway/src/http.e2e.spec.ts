import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/**
 * The HTTP layer as buyers knew it on Express: how bodies are read and refused, which paths reach
 * a route, and the caller's trace carried on to the events a request appends.
 */
let p: Platform;
let api: Api;
let key: string;
let pool: import('pg').Pool;

const draftBody = { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'highest_volume' }, budget: { amount: '100.00', period: 'daily' } };
const notJson = { error: { status: 400, code: 'validation_failed', message: 'the body is not valid JSON', fields: [{ field: 'body', reason: 'is not valid JSON' }] } };

const countConfigEvents = async (): Promise<number> => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM es.events WHERE stream_id LIKE 'config-%'`)).rows[0]!.n);

const send = (path: string, body: Buffer | string, headers: Record<string, string>) =>
  fetch(`${p.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body });

beforeAll(async () => {
  // Spans recorded in every process, so the trace reaches the events' metadata.
  p = await startPlatform({ env: { TRACING: 'on' } });
  api = p.api;
  pool = p.db.pool({ max: 2 });
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Http Co' } });
  key = buyer.body.api_key.secret;
}, 120_000);
afterAll(() => p?.close());

describe('request bodies', () => {
  it('refuses one that is not a JSON object or array, carries __proto__, is over 1 MB, or is in a charset or encoding it cannot read, naming the body', async () => {
    const before = await countConfigEvents();
    for (const raw of ['"a string"', 'null', '   ', `{"__proto__":{"admin":true},${JSON.stringify(draftBody).slice(1)}`]) {
      expect((await api('POST', '/v1/configs', { key, raw })).body).toEqual(notJson);
    }
    const huge = await api('POST', '/v1/configs', { key, body: { ...draftBody, name: 'x'.repeat(1024 * 1024) } });
    expect(huge.body).toMatchObject({ error: { status: 400, message: 'the body is too large', fields: [{ field: 'body', reason: 'is larger than 1048576 bytes' }] } });
    const latin = await api('POST', '/v1/configs', { key, raw: JSON.stringify(draftBody), headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin.body).toMatchObject({ error: { status: 400, fields: [{ field: 'body', reason: 'unsupported charset "LATIN1"' }] } });
    const snappy = await send('/v1/configs', JSON.stringify(draftBody), { 'content-type': 'application/json', 'content-encoding': 'snappy' });
    expect(await snappy.json()).toMatchObject({ error: { status: 400, fields: [{ field: 'body', reason: 'unsupported content encoding "snappy"' }] } });
    const broken = await send('/v1/configs', gzipSync(JSON.stringify(draftBody)).subarray(0, 20), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(await broken.json()).toMatchObject({ error: { status: 400, fields: [{ field: 'body' }] } });
    expect(await countConfigEvents()).toBe(before);
  });

  it('takes an empty JSON body as an empty object, a compressed one inflated, and a form', async () => {
    const own = await api<{ id: string }>('POST', '/v1/configs', { key, body: draftBody });
    expect(await api('POST', `/v1/configs/${own.body.id}/launch`, { key, raw: '' })).toMatchObject({ status: 200, body: { status: 'launched' } });
    const empty = await api<{ error: { fields: Array<{ field: string }> } }>('POST', '/v1/events', { key, raw: '' });
    expect(empty.body.error.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['event_id', 'event_type', 'event_time', 'outcome_id']));
    const gzipped = await send('/v1/keys', gzipSync(JSON.stringify({ name: 'gzipped' })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(201);
    expect(await gzipped.json()).toMatchObject({ name: 'gzipped' });
    // A batch goes on to capi-ingest as the inflated bytes, and is read there.
    const batch = await send('/v1/events/batch', gzipSync('{"events":[]}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(await batch.json()).toMatchObject({ error: { fields: [{ field: 'events', reason: 'events must contain at least 1 event' }] } });
    const form = await send('/v1/keys', 'name=formed', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(await form.json()).toMatchObject({ name: 'formed' });
  });
});

describe('paths', () => {
  it('reach a route in any letter case, with a trailing slash and with ids longer than 100 characters; one that cannot be decoded is a 400', async () => {
    expect((await api('GET', '/V1/Configs/', { key })).body).toMatchObject({ object: 'list' });
    const longId = await api<{ error: { code: string; message: string } }>('GET', `/v1/events/${'e'.repeat(128)}`, { key });
    expect(longId.body.error.code).toBe('not_found');
    expect(longId.body.error.message).not.toBe('no such route');
    expect(await api('GET', '/v1/configs/%FF', { key })).toMatchObject({ status: 400, body: { error: { status: 400, code: 'validation_failed' } } });
    expect(await api('GET', '/v1/nothing', { key })).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'no such route' } } });
  });
});

describe('traces', () => {
  it("continue the caller's through the body, the guards and the handler to the events the request appends", async () => {
    const traceId = randomBytes(16).toString('hex');
    const drafted = await api<{ id: string }>('POST', '/v1/configs', { key, body: draftBody, headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
    expect(drafted.status).toBe(201);
    const { rows } = await pool.query<{ traceparent: string | null }>(`SELECT metadata->>'traceparent' AS traceparent FROM es.events WHERE stream_id = $1`, [`config-${drafted.body.id}`]);
    expect(rows[0]!.traceparent?.split('-')[1]).toBe(traceId);
  });
});
