import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connectBus, type Bus } from '@outcomes/bus';
import { runEngine, type EngineBehaviour, type RunningEngine } from '@outcomes/engine-kit';
import { OutcomesClient, OutcomesError, type OutcomeEvent } from '@outcomes/sdk';
import { eventually, testNatsUrl } from '@outcomes/testing';
import { startPlatform, type Api, type Platform } from './fixtures/platform.fixture';

/** A buyer's request auctioned among engines that run in this test on the engine kit. */
let p: Platform;
let api: Api;
let key: string;
let configId: string;
let bus: Bus;
const engines: RunningEngine[] = [];
const losses: string[] = [];

const register = async (name: string, types = ['cs.resolve']): Promise<string> => {
  const res = await api<{ id: string }>('POST', '/v1/engines', {
    key: p.operatorKey,
    body: { name, vendor: 'Test', model: { name, version: '1' }, harness: { name: 'kit', version: '1' }, outcome_types: types, max_concurrent_outcomes: 5, transport: { type: 'nats' } },
  });
  expect(res.status).toBe(201);
  return res.body.id;
};

const engine = (id: string, behaviour: EngineBehaviour) => engines.push(runEngine(bus, id, behaviour));

beforeAll(async () => {
  p = await startPlatform();
  api = p.api;
  bus = await connectBus({ servers: testNatsUrl(), name: 'engines-in-test', namespace: p.namespace });
  const buyer = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Acme' } });
  key = buyer.body.api_key.secret;
  const cfg = await api<{ id: string }>('POST', '/v1/configs', {
    key,
    body: { name: 'Support', outcome_type: 'cs.resolve', bid_strategy: { type: 'bid_cap', bid_cap: '1.00' }, budget: { amount: '2.00', period: 'monthly' }, system_prompt: 'Be brief.' },
  });
  configId = cfg.body.id;
  expect((await api('POST', `/v1/configs/${configId}/launch`, { key })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  for (const e of engines) await e.stop();
  await bus?.close();
  await p?.close();
});

const settle = (id: string) =>
  eventually(async () => {
    const res = await api<{ status: string }>('GET', `/v1/outcomes/${id}`, { key });
    return ['completed', 'escalated', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, 15_000, `outcome ${id} to end`);

describe('outcomes', () => {
  it('escalates at once when no engine can bid', async () => {
    const res = await api<{ id: string; status: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'Where is my order?' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'auctioning' });
    expect(await settle(res.body.id)).toMatchObject({ status: 'escalated', engine: null, price: null });
  });

  it('awards the engine with the best expected cost at the second score, and streams its work to completion', async () => {
    const cheap = await register('cheap-engine');
    const dear = await register('dear-engine');
    const slow = await register('slow-engine');
    let award: unknown;
    engine(cheap, {
      bid: () => ({ priceMicros: 300_000 }),
      award: (run) => {
        award = run.award;
        // Reports sent before the award is even acknowledged: the auction must hold them until it records the award.
        run.message('Your order ships tomorrow.');
        run.checkpoint(50, 'looking up the order');
        void run.complete({ answer: 'ships tomorrow' }, [{ name: 'transcript.txt', sha256: 'a'.repeat(64) }]);
        return true;
      },
    });
    engine(dear, { bid: () => ({ priceMicros: 450_000 }), award: () => true, loss: (n) => losses.push(`${n.reason}:${n.price_to_beat}`) });
    engine(slow, { bid: () => new Promise((r) => setTimeout(() => r({ priceMicros: 1 }), 2000)), award: () => true });

    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: { text: 'Where is my order?' } } });
    const done = await settle(placed.body.id);
    expect(done).toMatchObject({ status: 'completed', engine: { id: cheap, name: 'cheap-engine' }, price: '0.45' });
    expect(award).toMatchObject({ outcome_id: placed.body.id, clearing_price: '0.45', input: { text: 'Where is my order?' }, system_prompt: 'Be brief.' });
    await eventually(() => (losses.length > 0 ? true : undefined));
    expect(losses).toEqual(['outbid:0.299999']);

    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ type: string }>(`SELECT type FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${placed.body.id}`]);
    expect(rows.map((r) => r.type)).toEqual(['OutcomeRequested', 'AuctionClosed', 'OutcomeAwarded', 'ExecutionReported', 'ExecutionReported', 'OutcomeCompleted']);
    const closed = await pool.query<{ losses: Array<{ reason: string }> }>(`SELECT data->'losses' AS losses FROM es.events WHERE stream_id = $1 AND type = 'AuctionClosed'`, [`outcome-${placed.body.id}`]);
    expect(closed.rows[0]!.losses.map((l) => l.reason).sort()).toEqual(['outbid', 'timeout']);
  }, 30_000);

  it('streams the execution as Server-Sent Events, live and replayed, resuming after Last-Event-ID', async () => {
    const read = async (id: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${p.baseUrl}/v1/outcomes/${id}/events`, { headers: { authorization: `Bearer ${key}`, ...headers } });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const text = await res.text();
      return text
        .split('\n\n')
        .filter((block) => block.startsWith('id:'))
        .map((block) => {
          const [id, event, data] = block.split('\n').map((l) => l.slice(l.indexOf(':') + 1).trim());
          return { id: Number(id), event, data: JSON.parse(data!) as Record<string, unknown> };
        });
    };
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'Where is my order?' } });
    const live = await read(placed.body.id);
    expect(live.map((e) => e.event)).toEqual(['requested', 'auction_closed', 'awarded', 'assistant', 'checkpoint', 'complete']);
    expect(live[2]!.data).toMatchObject({ engine: { name: 'cheap-engine' }, price: '0.45' });
    expect(live[3]!.data).toMatchObject({ content: 'Your order ships tomorrow.' });
    expect(live.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const resumed = await read(placed.body.id, { 'last-event-id': '3' });
    expect(resumed.map((e) => e.event)).toEqual(['assistant', 'checkpoint', 'complete']);
    expect((await api('GET', '/v1/outcomes/out_00000000000000000000000000/events', { key })).status).toBe(404);
  }, 30_000);

  it('runs an outcome through the SDK, yielding its events until it completes', async () => {
    const client = new OutcomesClient(configId, { apiKey: key, baseUrl: p.baseUrl });
    const events: OutcomeEvent[] = [];
    for await (const e of client.run('Customer 42 says: where is my order?')) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['requested', 'awarded', 'assistant', 'checkpoint', 'complete']);
    expect(events[2]).toMatchObject({ content: 'Your order ships tomorrow.' });
    expect(events[4]).toMatchObject({ type: 'complete', result: { answer: 'ships tomorrow' } });
    // The buyer reports what happened; a retry with the same event id is acknowledged, not counted twice.
    const receipt = await client.reportConversion({ outcomeId: events[0]!.outcomeId, success: true, outcomeValue: 15, eventId: 'sdk-report-1' });
    expect(receipt).toEqual({ eventId: 'sdk-report-1', status: 'accepted' });
    expect(await client.reportConversion({ outcomeId: events[0]!.outcomeId, success: true, eventId: 'sdk-report-1' })).toEqual({ eventId: 'sdk-report-1', status: 'duplicate' });
    await expect(new OutcomesClient(configId, { apiKey: 'osk_wrong', baseUrl: p.baseUrl }).run('x').next()).rejects.toBeInstanceOf(OutcomesError);
  }, 30_000);

  it('keeps every turn of a session with the engine that won the first, until it resolves', async () => {
    const first = await register('chat-first', ['legal.review']);
    const second = await register('chat-second', ['legal.review']);
    const turns: Record<string, string[]> = { [first]: [], [second]: [] };
    const chat = (id: string, price: number): EngineBehaviour => ({
      bid: () => ({ priceMicros: price }),
      award: (run) => {
        turns[id]!.push(String(run.award.input));
        const last = run.award.input === 'thanks, bye';
        setTimeout(() => void run.complete({ reply: `re: ${String(run.award.input)}` }, [], { keepSessionOpen: !last }), 5);
        return true;
      },
    });
    engine(first, chat(first, 2_000_000));
    engine(second, chat(second, 3_000_000));
    // Total budgets wherever highest_volume runs auctions here: it paces a daily budget evenly, and in
    // a day's first hour that leaves a few dollars (docs/optimizer.md), so a test would fail by the clock.
    const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Chat', outcome_type: 'legal.review', bid_strategy: { type: 'highest_volume' }, budget: { amount: '100.00', period: 'total' } } });
    await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });

    const session = new OutcomesClient(cfg.body.id, { apiKey: key, baseUrl: p.baseUrl }).session();
    const replies: unknown[] = [];
    for (const message of ['hello', 'what about clause 7?', 'thanks, bye']) {
      for await (const e of session.run(message)) if (e.type === 'complete') replies.push(e.result);
      expect(session.status).toBe(message === 'thanks, bye' ? 'resolved' : 'active');
    }
    expect(replies).toEqual([{ reply: 're: hello' }, { reply: 're: what about clause 7?' }, { reply: 're: thanks, bye' }]);
    expect(turns).toEqual({ [first]: ['hello', 'what about clause 7?', 'thanks, bye'], [second]: [] });
    const ended = await api(`POST`, `/v1/sessions/${session.id}/turns`, { key, body: { input: 'one more' } });
    expect(ended.status).toBe(422);
    expect((await api('GET', `/v1/sessions/${session.id}`, { key })).body).toMatchObject({ status: 'resolved', engine: { id: first }, turns: expect.any(Array) });
  }, 30_000);

  it('refuses an execution report from an engine that did not win', async () => {
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'hello' } });
    const done = await settle(placed.body.id);
    expect(done).toMatchObject({ status: 'completed' });
    // Another engine claims the outcome after the fact: nothing is recorded.
    const pool = p.db.pool({ max: 1 });
    const before = await pool.query(`SELECT count(*) FROM es.events WHERE stream_id = $1`, [`outcome-${placed.body.id}`]);
    bus.nc.publish(bus.subject(`exec.eng_intruder.${placed.body.id}.failed`), new TextEncoder().encode(JSON.stringify({ reason: 'hijack' })));
    await bus.nc.flush();
    await new Promise((r) => setTimeout(r, 300));
    const after = await pool.query(`SELECT count(*) FROM es.events WHERE stream_id = $1`, [`outcome-${placed.body.id}`]);
    expect(after.rows).toEqual(before.rows);
  }, 30_000);

  it('escalates when the budget cannot cover the clearing price, never overspending', async () => {
    // $2.00 a month at $0.45 an outcome: four outcomes are already reserved, so these run out.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: `q${i}` } })).body.id);
    const ended = await Promise.all(ids.map(settle));
    expect(ended.map((o) => (o as { status: string }).status)).toContain('escalated');
    const pool = p.db.pool({ max: 1 });
    // Spent plus reserved once every auction is over: ceilings held, then adjusted to the price, less what went back.
    const { rows } = await pool.query<{ held: string }>(
      `SELECT coalesce(sum(CASE type WHEN 'BudgetReserved' THEN (data->>'amountMicros')::bigint
                                     WHEN 'BudgetAdjusted' THEN (data->>'toMicros')::bigint - (data->>'fromMicros')::bigint
                                     WHEN 'BudgetReleased' THEN -(data->>'releasedMicros')::bigint
                                     WHEN 'BudgetCharged' THEN -(data->>'releasedMicros')::bigint ELSE 0 END), 0) AS held
         FROM es.events WHERE stream_id LIKE $1`,
      [`budget-${configId}.%`],
    );
    expect(Number(rows[0]!.held)).toBeLessThanOrEqual(2_000_000);
    expect(Number(rows[0]!.held)).toBeGreaterThan(0);
  }, 30_000);

  it('holds the ceiling during the auction on a budget with room, then adjusts it to the price; reserves the price exactly until the budget is known', async () => {
    const coder = await register('generator', ['code.generate']);
    engine(coder, { bid: () => ({ priceMicros: 300_000 }), award: () => true });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', {
      key,
      body: { name: 'Generators', outcome_type: 'code.generate', bid_strategy: { type: 'bid_cap', bid_cap: '2.00' }, budget: { amount: '1000.00', period: 'daily' } },
    });
    await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
    const ids: string[] = [];
    for (const input of ['first', 'second']) {
      const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input } });
      ids.push(placed.body.id);
      await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${placed.body.id}`, { key })).body.status === 'running' ? true : undefined), 15_000, 'the award');
    }
    const pool = p.db.pool({ max: 1 });
    const budgetOf = (id: string) =>
      eventually(async () => {
        const { rows } = await pool.query<{ type: string; data: Record<string, unknown> }>(`SELECT type, data FROM es.events WHERE stream_id LIKE $1 AND data->>'outcomeId' = $2 ORDER BY position`, [`budget-${cfg.body.id}.%`, `${id}:0`]);
        return rows.length > 0 && (rows.length > 1 || rows[0]!.data['amountMicros'] === 300_000) ? rows : undefined;
      }, 10_000, 'the budget events');
    // The first auction on the budget: this copy has not seen it, so the price is reserved after the auction.
    expect(await budgetOf(ids[0]!)).toEqual([{ type: 'BudgetReserved', data: expect.objectContaining({ amountMicros: 300_000 }) }]);
    // The second: the ceiling held while the bids came in, then brought to the price.
    expect(await budgetOf(ids[1]!)).toEqual([
      { type: 'BudgetReserved', data: expect.objectContaining({ amountMicros: 2_000_000 }) },
      { type: 'BudgetAdjusted', data: expect.objectContaining({ fromMicros: 2_000_000, toMicros: 300_000 }) },
    ]);
    expect(await api('GET', `/v1/outcomes/${ids[1]!}`, { key })).toMatchObject({ body: { price: '0.30' } });
  }, 30_000);

  it('escalates an outcome whose engine runs past the max latency, by a durable timer', async () => {
    const silent = await register('silent-engine', ['code.review']);
    engine(silent, { bid: () => ({ priceMicros: 1_000_000 }), award: () => true });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', {
      key,
      body: { name: 'Quick reviews', outcome_type: 'code.review', delivery_constraints: { max_latency_seconds: 1, max_attempts: 1 }, bid_strategy: { type: 'highest_volume' }, budget: { amount: '10.00', period: 'total' } },
    });
    await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'review PR #1' } });
    const ended = await settle(placed.body.id);
    expect(ended).toMatchObject({ status: 'escalated', engine: { id: silent } });
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ trigger: string }>(`SELECT data->>'trigger' AS trigger FROM es.events WHERE stream_id = $1 AND type = 'OutcomeEscalated'`, [`outcome-${placed.body.id}`]);
    expect(rows).toEqual([{ trigger: 'timeout' }]);
    const released = await pool.query(`SELECT 1 FROM es.events WHERE type = 'BudgetReleased' AND data->>'outcomeId' = $1`, [`${placed.body.id}:0`]);
    expect(released.rowCount).toBe(1);
  }, 30_000);

  it('auctions an outcome again without the engine that ran past the max latency, while attempts remain', async () => {
    const stalls = await register('stalling-fixer', ['code.fix']);
    const finishes = await register('finishing-fixer', ['code.fix']);
    engine(stalls, { bid: () => ({ priceMicros: 2_000_000 }), award: () => true });
    engine(finishes, {
      bid: () => ({ priceMicros: 3_000_000 }),
      award: (run) => {
        setTimeout(() => void run.complete({ patch: 'fixed' }), 10);
        return true;
      },
    });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', {
      key,
      body: { name: 'Fixes', outcome_type: 'code.fix', delivery_constraints: { max_latency_seconds: 1, max_attempts: 2 }, bid_strategy: { type: 'highest_volume' }, budget: { amount: '10.00', period: 'total' } },
    });
    await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'fix bug 892' } });
    const ended = await settle(placed.body.id);
    expect(ended).toMatchObject({ status: 'completed', engine: { id: finishes }, price: '3.00' });
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ type: string }>(`SELECT type FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${placed.body.id}`]);
    expect(rows.map((r) => r.type)).toEqual(['OutcomeRequested', 'AuctionClosed', 'OutcomeAwarded', 'ExecutionTimedOut', 'AuctionClosed', 'OutcomeAwarded', 'OutcomeCompleted']);
    const budget = await pool.query<{ type: string; id: string }>(`SELECT type, data->>'outcomeId' AS id FROM es.events WHERE stream_id LIKE 'budget-%' AND data->>'outcomeId' LIKE $1 ORDER BY position`, [`${placed.body.id}:%`]);
    expect(budget.rows).toEqual([
      { type: 'BudgetReserved', id: `${placed.body.id}:0` },
      { type: 'BudgetReleased', id: `${placed.body.id}:0` },
      { type: 'BudgetReserved', id: `${placed.body.id}:1` },
    ]);
  }, 30_000);

  it('loses no outcome when the auction service is killed mid-auction', async () => {
    const hesitant = await register('hesitant-engine', ['legal.summarize']);
    let killed = false;
    // Bid requests before the kill are not answered in time: the auction process dies while it waits.
    engine(hesitant, {
      bid: () => (killed ? { priceMicros: 1_000_000 } : new Promise((r) => setTimeout(() => r({ priceMicros: 1_000_000 }), 5000))),
      award: (run) => {
        setTimeout(() => void run.complete({ summary: 'ok' }), 10);
        return true;
      },
    });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', {
      key,
      body: { name: 'Summaries', outcome_type: 'legal.summarize', bid_strategy: { type: 'bid_cap', bid_cap: '5.00' }, budget: { amount: '50.00', period: 'daily' } },
    });
    await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'summarize' } });
    expect(placed.status).toBe(201);
    await p.killAuction();
    killed = true;
    p.restartAuction();
    const ended = await eventually(async () => {
      const res = await api<{ status: string }>('GET', `/v1/outcomes/${placed.body.id}`, { key });
      return res.body.status === 'completed' ? res.body : undefined;
    }, 30_000, 'the resumed auction to complete the outcome').catch(async (err: unknown) => {
      const pool = p.db.pool({ max: 1 });
      const { rows } = await pool.query(`SELECT type, data FROM es.events WHERE stream_id = $1 ORDER BY version`, [`outcome-${placed.body.id}`]);
      throw new Error(`${String(err)}; events: ${JSON.stringify(rows)}`);
    });
    expect(ended).toMatchObject({ engine: { id: hesitant } });
  }, 60_000);

  it('delivers an escalation to the buyer’s webhook, signed, in durable rounds that survive a restart of the auction service', async () => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        // The whole first round (three calls) fails: the next round is a durable timer.
        res.statusCode = received.length <= 3 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/escalations`;
    const pool = p.db.pool({ max: 1 });
    const handoffEvents = async (id: string) =>
      (await pool.query<{ type: string; attempts: number }>(`SELECT type, (data->>'attempts')::int AS attempts FROM es.events WHERE stream_id = $1 AND type LIKE 'Handoff%' ORDER BY version`, [`outcome-${id}`])).rows;
    try {
      const cfg = await api<{ id: string }>('POST', '/v1/configs', {
        key,
        body: {
          name: 'Escalating',
          outcome_type: 'medical.triage',
          escalation_policy: { enabled: true, triggers: [{ type: 'timeout', seconds: 60 }], handoff: { destination: { type: 'webhook', url, credentials: { signing_secret: 'whsec_test' } } } },
          bid_strategy: { type: 'highest_volume' },
          budget: { amount: '10.00', period: 'daily' },
        },
      });
      expect(cfg.status).toBe(201);
      await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key });
      const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'chest pain' } });
      await eventually(async () => ((await handoffEvents(placed.body.id)).length === 1 ? true : undefined), 15_000, 'the failed first round');
      expect(await handoffEvents(placed.body.id)).toEqual([{ type: 'HandoffRetryScheduled', attempts: 3 }]);
      // The process that scheduled the next round dies; its successor delivers it.
      await p.killAuction();
      p.restartAuction();
      await eventually(async () => ((await handoffEvents(placed.body.id)).length === 2 ? true : undefined), 30_000, 'the delivery after the restart');
      expect(await handoffEvents(placed.body.id)).toEqual([
        { type: 'HandoffRetryScheduled', attempts: 3 },
        { type: 'HandoffDelivered', attempts: 4 },
      ]);
      expect(received).toHaveLength(4);
      const last = received[3]!;
      const pkg = JSON.parse(last.body) as Record<string, unknown>;
      expect(pkg).toMatchObject({ outcome_id: placed.body.id, escalation_reason: { trigger: 'no_bid' }, context: { input: 'chest pain' } });
      const [t, v1] = String(last.headers['outcomes-signature']).split(',').map((x) => x.split('=')[1]!);
      expect(v1).toBe(createHmac('sha256', 'whsec_test').update(`${t}.${last.body}`).digest('hex'));
      expect(new Set(received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`hoff_${placed.body.id.slice(4)}`]));
    } finally {
      server.close();
    }
  }, 60_000);

  it('invites no engine running as many outcomes as it may, and keeps each engine’s load equal to its running outcomes', async () => {
    const res = await api<{ id: string }>('POST', '/v1/engines', {
      key: p.operatorKey,
      body: { name: 'one-at-a-time', vendor: 'Test', model: { name: 'm', version: '1' }, harness: { name: 'kit', version: '1' }, outcome_types: ['legal.review'], max_concurrent_outcomes: 1, transport: { type: 'nats' } },
    });
    const held: Array<{ complete(result: unknown): Promise<void> }> = [];
    engine(res.body.id, { bid: () => ({ priceMicros: 100_000 }), award: (run) => (held.push(run), true) });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Contracts', outcome_type: 'legal.review', bid_strategy: { type: 'bid_cap', bid_cap: '1.00' }, budget: { amount: '5.00', period: 'monthly' } } });
    expect((await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key })).status).toBe(200);
    const place = async () => (await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'review this NDA' } })).body.id;
    const first = await place();
    await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${first}`, { key })).body.status === 'running' ? true : undefined), 15_000, 'the first award');
    // At its maximum: the next outcome finds no engine with room.
    expect(await settle(await place())).toMatchObject({ status: 'escalated', engine: null });
    await held[0]!.complete({ ok: true });
    await settle(first);
    // Room again once the first is done.
    const third = await place();
    await eventually(async () => ((await api<{ status: string }>('GET', `/v1/outcomes/${third}`, { key })).body.status === 'running' ? true : undefined), 15_000, 'the third award');
    await held[1]!.complete({ ok: true });
    await settle(third);
    // The load kept with each change equals a count of the running outcomes, after every test above.
    const pool = p.db.pool({ max: 1 });
    const { rows } = await pool.query<{ engine_id: string; kept: number; counted: number }>(
      `SELECT coalesce(l.engine_id, c.engine_id) AS engine_id, coalesce(l.running, 0) AS kept, coalesce(c.n, 0)::int AS counted
         FROM auction.engine_load l FULL JOIN (SELECT engine_id, count(*) AS n FROM auction.outcomes WHERE status = 'running' GROUP BY engine_id) c ON c.engine_id = l.engine_id`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toEqual({ engine_id: r.engine_id, kept: r.counted, counted: r.counted });
  }, 60_000);

  it('asks for bids while the request is being recorded, and awards only once it is', async () => {
    const id = await register('prompt-bidder', ['legal.draft_nda']);
    const asked: string[] = [];
    const awarded: string[] = [];
    engine(id, { bid: (req) => (asked.push(req.outcome_id), { priceMicros: 100_000 }), award: (run) => (awarded.push(run.award.outcome_id), true) });
    const cfg = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'NDAs', outcome_type: 'legal.draft_nda', bid_strategy: { type: 'bid_cap', bid_cap: '1.00' }, budget: { amount: '5.00', period: 'monthly' } } });
    expect((await api('POST', `/v1/configs/${cfg.body.id}/launch`, { key })).status).toBe(200);
    // No event can be written while this lock is held: the request's append waits for it.
    const pool = p.db.pool({ max: 1 });
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE es.events IN SHARE MODE');
    const placing = api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: cfg.body.id, input: 'a mutual NDA' } });
    try {
      await eventually(async () => (asked.length > 0 ? true : undefined), 10_000, 'a bid request while the request is not recorded yet');
      await new Promise((r) => setTimeout(r, 200));
      expect(awarded).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    const placed = await placing;
    expect(placed.status).toBe(201);
    expect(asked).toEqual([placed.body.id]);
    await eventually(async () => (awarded.includes(placed.body.id) ? true : undefined), 10_000, 'the award once the request is recorded');
    await pool.end();
  }, 60_000);

  it('answers another buyer’s outcome, and a draft configuration, as the API promises', async () => {
    const other = await api<{ api_key: { secret: string } }>('POST', '/v1/buyers', { key: p.operatorKey, body: { name: 'Other' } });
    const placed = await api<{ id: string }>('POST', '/v1/outcomes', { key, body: { config_id: configId, input: 'x' } });
    expect((await api('GET', `/v1/outcomes/${placed.body.id}`, { key: other.body.api_key.secret })).status).toBe(404);
    expect((await api('POST', '/v1/outcomes', { key: other.body.api_key.secret, body: { config_id: configId, input: 'x' } })).status).toBe(404);
    const draft = await api<{ id: string }>('POST', '/v1/configs', { key, body: { name: 'Draft', outcome_type: 'cs.resolve' } });
    const refused = await api('POST', '/v1/outcomes', { key, body: { config_id: draft.body.id, input: 'x' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: { fields: [{ field: 'config_id' }] } });
  }, 30_000);
});
