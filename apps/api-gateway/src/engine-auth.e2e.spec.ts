import { connectBus, decodeJson, encodeJson, type Bus } from '@outcomes/bus';
import { engineInboxPrefix, type CredentialRef } from '@outcomes/contracts';
import { runEngine, type RunningEngine } from '@outcomes/engine-kit';
import { eventually, startSecuredNats, type SecuredNats } from '@outcomes/testing';
import { PermissionViolationError } from '@nats-io/nats-core';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/**
 * The platform on a NATS server with accounts: each NATS engine connects with credentials the
 * engine-gateway minted for it, and the server refuses whatever those do not allow.
 */
let nats: SecuredNats;
let p: Platform;
let api: Api;
let key: string;
let configId: string;
const buses: Bus[] = [];
const engines: RunningEngine[] = [];

const register = async (name: string): Promise<string> => {
  const res = await api<{ id: string }>('POST', '/v1/engines', {
    key: p.operatorKey,
    body: { name, vendor: 'Test', model: { name, version: '1' }, harness: { name: 'kit', version: '1' }, outcome_types: ['cs.resolve'], transport: { type: 'nats' } },
  });
  expect(res.status).toBe(201);
  return res.body.id;
};

/** Connects as the engine, with the credentials the platform mints for it. */
const connectAs = async (engineId: string): Promise<{ bus: Bus; problems: Error[] }> => {
  const res = await api<{ creds: string; user_public_key: string; expires_at: string }>('POST', `/v1/engines/${engineId}/credentials`, { key: p.operatorKey });
  expect(res.status).toBe(201);
  expect(res.body.creds).toContain('BEGIN NATS USER JWT');
  const bus = await connectBus({ servers: nats.url, name: engineId, namespace: p.namespace, credentials: res.body.creds, checkJetStream: false, inboxPrefix: engineInboxPrefix(engineId) });
  buses.push(bus);
  const problems: Error[] = [];
  void (async () => {
    for await (const s of bus.nc.status()) if (s.type === 'error') problems.push(s.error);
  })();
  return { bus, problems };
};

const outcome = (id: string) =>
  eventually(async () => {
    const res = await api<{ status: string; engine: { id: string } | null }>('GET', `/v1/outcomes/${id}`, { key });
    return ['completed', 'escalated', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, 20_000, `outcome ${id} to end`);

beforeAll(async () => {
  nats = await startSecuredNats();
  p = await startPlatform({
    env: { NATS_URL: nats.url, NATS_CREDS: nats.platformCredsPath, NATS_ACCOUNT: nats.signer.account, NATS_ACCOUNT_SIGNING_SEED: nats.signer.signingSeed },
  });
  api = p.api;
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme' } });
  key = buyer.body.api_key.secret;
  const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: {
      name: 'Support',
      outcome_type: 'cs.resolve',
      bid_strategy: { type: 'bid_cap', bid_cap: '1.00' },
      budget: { amount: '10.00', period: 'monthly' },
      context_sources: [{ name: 'crm', type: 'mcp_server', url: 'https://crm.example.com/mcp', credentials: { token: 'crm-secret-42' } }],
    },
  });
  configId = cfg.body.id;
  expect((await api('POST', `/v1/configs/${configId}/launch`, { key })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  for (const e of engines) await e.stop().catch(() => undefined);
  for (const b of buses) await b.close().catch(() => undefined);
  await p?.close();
  await nats?.stop();
});

describe('engines on NATS with their own credentials', () => {
  it('work as themselves, and cannot read another engine’s awards nor bid, stream or finish as it', async () => {
    const honestId = await register('honest-engine');
    const rivalId = await register('rival-engine');
    const honest = await connectAs(honestId);
    const rival = await connectAs(rivalId);
    let rivalBids = true;
    const losses: string[] = [];
    const redeemed: Array<Record<string, string>> = [];
    engines.push(
      runEngine(honest.bus, honestId, {
        bid: () => ({ priceMicros: 300_000 }),
        award: (run) => {
          void run.credentials('crm').then((c) => {
            redeemed.push(c);
            return run.complete({ by: 'honest' });
          });
          return true;
        },
        loss: (n) => losses.push(n.reason),
      }),
    );
    let finishRival: (() => void) | undefined;
    let rivalRef: CredentialRef | undefined;
    engines.push(
      runEngine(rival.bus, rivalId, {
        bid: () => (rivalBids ? { priceMicros: 200_000 } : { decline: 'busy' }),
        award: (run) => {
          // The award names the credentials by reference only.
          expect(JSON.stringify(run.award)).not.toContain('crm-secret-42');
          rivalRef = (run.award.context_sources as Array<{ credentials_ref: CredentialRef }>)[0]!.credentials_ref;
          finishRival = () => void run.complete({ by: 'rival' });
          return true;
        },
      }),
    );

    // The rival wins and works slowly; the honest engine hears it lost.
    const first = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'first' } });
    await eventually(() => finishRival, 10_000, 'the rival to be awarded');
    await eventually(() => (losses.length > 0 ? true : undefined));
    expect(losses).toEqual(['outbid']);

    // The honest engine tries to read the rival's awards and bid requests: the server refuses the subscriptions.
    for (const subject of [`engine.${rivalId}.award`, `engine.${rivalId}.bid`, 'engine.>', 'exec.>', 'evt.>']) {
      const refused = new Promise<Error>((resolve) => honest.bus.nc.subscribe(honest.bus.subject(subject), { callback: (err) => void (err && resolve(err)) }));
      expect(await refused).toBeInstanceOf(PermissionViolationError);
    }
    // It takes the rival's credential reference: it may not redeem it as the rival, nor as itself.
    await expect(honest.bus.nc.request(honest.bus.subject(`cred.${rivalId}.redeem`), encodeJson({ ref: rivalRef!.ref }), { timeout: 1000 })).rejects.toThrow(/Permissions Violation for Publish/);
    const asItself = await honest.bus.nc.request(honest.bus.subject(`cred.${honestId}.redeem`), encodeJson({ ref: rivalRef!.ref }), { timeout: 5000 });
    expect(decodeJson(asItself.data)).toEqual({ error: 'this reference was issued to another engine' });

    // It tries to stream and finish the rival's outcome as the rival: the server drops both.
    const watcher = await connectBus({ servers: nats.url, name: 'watcher', namespace: p.namespace, credentials: nats.platformCreds });
    buses.push(watcher);
    const seen: string[] = [];
    watcher.nc.subscribe(watcher.subject(`exec.${rivalId}.>`), { callback: (_e, m) => void seen.push(m.subject) });
    await watcher.nc.flush();
    honest.bus.nc.publish(honest.bus.subject(`exec.${rivalId}.${first.body.id}.message`), encodeJson({ role: 'assistant', content: 'hijacked', seq: 1 }));
    honest.bus.nc.publish(honest.bus.subject(`exec.${rivalId}.${first.body.id}.completed`), encodeJson({ result: { by: 'impostor' }, artifacts: [], seq: 2 }));
    await eventually(() => (honest.problems.filter((e) => e instanceof PermissionViolationError && /Publish/i.test(e.message)).length >= 2 ? true : undefined), 5_000, 'the publish refusals');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);

    // The rival finishes its own work; the record holds only what it sent.
    finishRival!();
    const done = await outcome(first.body.id);
    expect(done).toMatchObject({ status: 'completed', engine: { id: rivalId } });
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ type: string; data: { result?: unknown } }>(`SELECT type, data FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${first.body.id}`]);
    expect(rows.map((r) => r.type)).toEqual(['OutcomeRequested', 'AuctionClosed', 'OutcomeAwarded', 'OutcomeCompleted']);
    expect(rows[3]!.data.result).toEqual({ by: 'rival' });

    // With the rival out of the bidding, the honest engine wins and finishes under its own credentials.
    rivalBids = false;
    const second = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'second' } });
    expect(await outcome(second.body.id)).toMatchObject({ status: 'completed', engine: { id: honestId } });
    // The winner redeemed its reference for the credentials; no event holds them in the clear.
    expect(redeemed).toEqual([{ token: 'crm-secret-42' }]);
    const leaked = await pool.query(`SELECT count(*)::int AS n FROM es.events WHERE data::text LIKE '%crm-secret-42%'`);
    expect(leaked.rows[0]).toEqual({ n: 0 });
  }, 60_000);

  it('refuses a connection without credentials, and credentials for a webhook engine', async () => {
    await expect(connectBus({ servers: nats.url, name: 'anonymous', checkJetStream: false })).rejects.toThrow(/Authorization/i);
    const hooked = await api<{ id: string }>('POST', '/v1/engines', {
      key: p.operatorKey,
      body: {
        name: 'hooked',
        vendor: 'Test',
        model: { name: 'm', version: '1' },
        harness: { name: 'h', version: '1' },
        outcome_types: ['cs.resolve'],
        transport: { type: 'webhook', endpoint_url: 'http://127.0.0.1:9/hook', auth: 'bearer', credentials: { token: 't' } },
      },
    });
    const res = await api<{ error: { fields: Array<{ field: string }> } }>('POST', `/v1/engines/${hooked.body.id}/credentials`, { key: p.operatorKey });
    expect(res.status).toBe(422);
    expect(res.body.error.fields).toEqual([{ field: 'transport', reason: 'is webhook' }]);
  }, 30_000);
});
