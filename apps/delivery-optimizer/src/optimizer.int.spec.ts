import { gunzipSync } from 'node:zlib';
import type { INestMicroservice } from '@nestjs/common';
import { decodeJson, provision, requestCommand, startRelay, type Relay } from '@outcomes/bus';
import { OPTIMIZER_COMMANDS, OPTIMIZER_QUOTE_STATE_SUBJECT, engineFeedbackSubject, type PerformanceFeedback, type QuoteAnswer, type QuoteCommand } from '@outcomes/contracts';
import { answerQuote, Optimizer, type QuoteState } from '@outcomes/domain-optimizer';
import type { OutcomeEvent } from '@outcomes/domain-auction';
import { createTestRuntime, eventually, type TestRuntime } from '@outcomes/testing';
import { loadOptimizerConfig } from './config';
import { OptimizerService } from './learning/optimizer.service';
import { migrateOptimizer } from './migrations';
import { createOptimizerApp } from './optimizer.app';

/**
 * The optimizer through its real transport: events in the PostgreSQL store, published by the relay
 * to JetStream, quotes asked over NATS. It learns what is stored before it starts, follows what is
 * published after, and starts again from its snapshot.
 */
let t: TestRuntime;
let relay: Relay;
let app: INestMicroservice;
const config = loadOptimizerConfig({ ...process.env, OPTIMIZER_LEARNING_PHASE: '0', OPTIMIZER_FEEDBACK_SECONDS: '3600', OPTIMIZER_SNAPSHOT_SECONDS: '3600' });
const BUYER = 'buy_opt';
let n = 0;

/** One outcome of the buyer's, awarded to `engine` at `price`, completed, and judged by a human reviewer. */
async function trade(engine: string, verdict: 'success' | 'failure', price = 1_000_000): Promise<string> {
  const outcomeId = `out_opt${n++}`;
  const at = new Date().toISOString();
  const events: OutcomeEvent[] = [
    {
      type: 'OutcomeRequested',
      data: { outcomeId, buyerId: BUYER, configId: 'cfg_opt', configVersion: 1, outcomeType: 'cs.resolve', input: 'help', metadata: {}, delivery: { maxLatencySeconds: 60, deadlineSeconds: null, deadlineType: 'soft' }, at, by: 'key_x' },
    },
    { type: 'AuctionClosed', data: { outcomeId, invited: 2, bids: [{ engineId: engine, priceMicros: price }], losses: [], at } },
    { type: 'OutcomeAwarded', data: { outcomeId, engineId: engine, engineName: engine, clearingPriceMicros: price, budgetId: 'cfg_opt.2026-11', reservationId: `${outcomeId}:0`, at } },
    { type: 'OutcomeCompleted', data: { outcomeId, engineId: engine, result: {}, artifacts: [], sessionOpen: false, at } },
  ];
  await t.rt.store.append(`outcome-${outcomeId}`, events, 'no_stream');
  const conversion = { buyerId: BUYER, eventId: `ev_${outcomeId}`, eventType: `outcome.${verdict}`, eventTime: at, outcomeIds: [outcomeId], source: 'human_reviewer', outcomeValue: null };
  await t.rt.store.append(`conversion-${BUYER}.${outcomeId}`, [{ type: 'ConversionsReported', data: { buyerId: BUYER, batch: outcomeId, conversions: [conversion] } }], 'no_stream');
  return outcomeId;
}

/**
 * Readers of the store stop below the oldest transaction still open in the PostgreSQL cluster
 * (another test's, in CI): wait until nothing of ours is held back, so what a step reads is known.
 */
const readable = () => eventually(async () => ((await t.rt.store.heldBack()).events === 0 ? true : undefined), 30_000, 'open transactions to end');

const quote = (engines: string[], extra: Record<string, unknown> = {}) =>
  requestCommand<QuoteAnswer>(t.rt.bus, OPTIMIZER_COMMANDS.quote, { buyer_id: BUYER, config_id: 'cfg_opt', outcome_type: 'cs.resolve', engines, ...extra });

beforeAll(async () => {
  t = await createTestRuntime('delivery-optimizer', [migrateOptimizer]);
  await provision(t.rt.bus, { streams: [t.rt.eventsStream] });
  relay = startRelay({ store: t.rt.store, connectionString: t.db.url, bus: t.rt.bus, pollIntervalMs: 50 });
});
afterAll(async () => {
  await app?.close();
  await relay.stop();
  await t.close();
});

describe('the delivery optimizer', () => {
  it('learns at start what the event store holds, and ranks by it', async () => {
    for (let i = 0; i < 20; i++) await trade('eng_good', i % 10 === 0 ? 'failure' : 'success');
    for (let i = 0; i < 20; i++) await trade('eng_poor', i % 10 < 3 ? 'success' : 'failure');
    await readable();
    app = await createOptimizerApp(t.rt, config);
    const q = await quote(['eng_good', 'eng_poor', 'eng_new']);
    expect(q.probabilities['eng_good']).toBeGreaterThan(0.75);
    expect(q.probabilities['eng_poor']).toBeLessThan(0.45);
    // A new engine has the prior.
    expect(q.probabilities['eng_new']).toBeCloseTo(0.7, 6);
    expect(app.get(OptimizerService).startup).toMatchObject({ fromSnapshot: false });
  });

  it('follows what JetStream publishes after it started', async () => {
    for (let i = 0; i < 20; i++) await trade('eng_late', 'failure');
    await eventually(async () => ((await quote(['eng_late'])).probabilities['eng_late']! < 0.3 ? true : undefined), 15_000, 'the live events to reach the estimates');
  });

  it('answers with each strategy’s ceiling and escalates at once below the confidence threshold', async () => {
    const cap = await quote(['eng_good'], { strategy: { type: 'bid_cap', cap_micros: 700_000 } });
    expect(cap).toMatchObject({ ceiling_micros: 700_000, engine_ceilings: null, strategy: 'bid_cap' });
    const cpr = await quote(['eng_good', 'eng_poor'], { strategy: { type: 'cost_per_result', goal_micros: 2_000_000 } });
    expect(cpr.engine_ceilings!['eng_good']).toBeGreaterThan(cpr.engine_ceilings!['eng_poor']!);
    expect((await quote(['eng_poor', 'eng_late'], { confidence_threshold: 0.6 })).escalate).toMatchObject({ trigger: 'confidence_threshold' });
    expect((await quote(['eng_good', 'eng_poor'], { confidence_threshold: 0.6 })).escalate).toBeNull();
  });

  it('publishes what a quote reads, and a copy of it quotes as the service does', async () => {
    const states: Array<{ at: number; state: QuoteState }> = [];
    const sub = t.rt.bus.nc.subscribe(t.rt.bus.subject(OPTIMIZER_QUOTE_STATE_SUBJECT), { callback: (err, msg) => void (err || states.push(decodeJson(msg.data))) });
    try {
      // Something to learn, then a state published after it (at least once a second).
      await trade('eng_pub', 'success');
      const learned = await eventually(async () => {
        const latest = states.at(-1);
        const known = (await quote(['eng_pub'])).probabilities['eng_pub'];
        // Until the service has learned the success, it and any state say the prior (0.7): not yet.
        return latest && known! > 0.7 && known === Optimizer.fromQuoteState(latest.state).quote({ buyerId: BUYER, configId: 'cfg_opt', outcomeType: 'cs.resolve', engines: ['eng_pub'], strategy: null, budget: null, confidenceThreshold: null, typicalMaxMicros: null }, Date.now(), Math.random).probabilities['eng_pub'] ? latest : undefined;
      }, 15_000, 'a published state that knows the latest trade');
      const copy = Optimizer.fromQuoteState(learned.state);
      for (const extra of [{}, { strategy: { type: 'bid_cap', cap_micros: 700_000 } }, { strategy: { type: 'cost_per_result', goal_micros: 2_000_000 } }, { confidence_threshold: 0.6 }]) {
        const cmd = { buyer_id: BUYER, config_id: 'cfg_opt', outcome_type: 'cs.resolve', engines: ['eng_good', 'eng_poor', 'eng_late', 'eng_pub'], ...extra } as QuoteCommand;
        // The learning phase is 0 here: no draws, so the two answers are the same exactly.
        expect(answerQuote(copy, cmd, Date.now(), Math.random)).toEqual(await requestCommand<QuoteAnswer>(t.rt.bus, OPTIMIZER_COMMANDS.quote, cmd));
      }
    } finally {
      sub.unsubscribe();
    }
  });

  it('refuses a malformed quote with the field at fault', async () => {
    await expect(requestCommand(t.rt.bus, OPTIMIZER_COMMANDS.quote, { buyer_id: BUYER, config_id: 'cfg_opt', outcome_type: 'cs.resolve', engines: 'eng_good' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('sends each engine its delivery and performance indices over NATS', async () => {
    const received: PerformanceFeedback[] = [];
    const sub = t.rt.bus.nc.subscribe(t.rt.bus.subject(engineFeedbackSubject('eng_poor')), { callback: (_e, m) => void received.push(decodeJson<PerformanceFeedback>(m.data)) });
    await t.rt.bus.nc.flush();
    // A round reads the store up to what no open transaction holds back, and transaction ids are
    // the whole server's: another test file's open transaction can hold this one's trades back.
    await readable();
    const sent = await app.get(OptimizerService).sendFeedback(new Date(Date.now() + 1000));
    await eventually(async () => (received.length > 0 ? true : undefined), 5000, 'the feedback');
    sub.unsubscribe();
    expect(received[0]).toMatchObject({ engine_id: 'eng_poor', outcome_type: 'cs.resolve', outcomes: 20, delivery_index: 100 });
    expect(received[0]!.performance_index!).toBeLessThan(100);
    expect(sent.find((f) => f.engine_id === 'eng_good')).toMatchObject({ performance_index: 100, completed: 20 });
    // The next round counts only what came since; two copies racing for a round send it once.
    const svc = app.get(OptimizerService);
    await readable();
    expect(await svc.sendFeedback(new Date(Date.now() + 2000))).toEqual([]);
    await trade('eng_good', 'success');
    await readable();
    const rounds = await Promise.all([svc.sendFeedback(new Date(Date.now() + 3000)), svc.sendFeedback(new Date(Date.now() + 3000))]);
    expect(rounds.map((r) => r.length).sort()).toEqual([0, 1]);
    expect(rounds.flat()[0]).toMatchObject({ engine_id: 'eng_good', outcomes: 1, completed: 1 });
  });

  it('starts again from its snapshot, reading only what came after it, and knows what a full replay knows', async () => {
    const before = await quote(['eng_good', 'eng_poor', 'eng_late']);
    await app.close();
    for (let i = 0; i < 5; i++) await trade('eng_good', 'success');
    await readable();
    app = await createOptimizerApp(t.rt, config);
    const restarted = app.get(OptimizerService);
    expect(restarted.startup.fromSnapshot).toBe(true);
    // The five outcomes' events (four each, and one conversion batch each), not the three hundred before.
    expect(restarted.startup.replayed).toBe(25);
    const after = await quote(['eng_good', 'eng_poor', 'eng_late']);
    expect(after.probabilities['eng_good']).toBeGreaterThan(before.probabilities['eng_good']!);
    expect(after.probabilities['eng_poor']).toBeCloseTo(before.probabilities['eng_poor']!, 9);
    // Against a model rebuilt from every event.
    await t.rt.pool.query(`DELETE FROM optimizer.snapshots`);
    const full = await createOptimizerApp(await t.another('delivery-optimizer'), config);
    const rebuilt = full.get(OptimizerService);
    expect(rebuilt.startup).toMatchObject({ fromSnapshot: false });
    expect(rebuilt.quote({ buyer_id: BUYER, config_id: 'cfg_opt', outcome_type: 'cs.resolve', engines: ['eng_good', 'eng_poor', 'eng_late'] }).probabilities).toEqual(after.probabilities);
    await full.close();
  });

  it('stores its snapshot compressed, and still starts from one stored as jsonb before that', async () => {
    const stored = await t.rt.pool.query<{ state: unknown; state_gz: Buffer | null }>(`SELECT state, state_gz FROM optimizer.snapshots`);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.state).toBeNull();
    const json = gunzipSync(stored.rows[0]!.state_gz!).toString('utf8');
    expect(stored.rows[0]!.state_gz!.length).toBeLessThan(json.length);
    await t.rt.pool.query(`UPDATE optimizer.snapshots SET state = $1::jsonb, state_gz = NULL`, [json]);
    const expected = await quote(['eng_good', 'eng_poor', 'eng_late']);
    const old = await createOptimizerApp(await t.another('delivery-optimizer'), config);
    const fromJsonb = old.get(OptimizerService);
    expect(fromJsonb.startup).toMatchObject({ fromSnapshot: true, replayed: 0 });
    expect(fromJsonb.quote({ buyer_id: BUYER, config_id: 'cfg_opt', outcome_type: 'cs.resolve', engines: ['eng_good', 'eng_poor', 'eng_late'] }).probabilities).toEqual(expected.probabilities);
    await old.close();
  });

  it('reads at start, page after page, all that was stored while it was stopped', async () => {
    await app.close();
    // 450 outcomes of five events each: more than one sweep query reads (2,000 at most).
    for (let i = 0; i < 9; i++) await Promise.all(Array.from({ length: 50 }, () => trade('eng_paged', 'success')));
    await readable();
    app = await createOptimizerApp(t.rt, config);
    expect(app.get(OptimizerService).startup).toMatchObject({ fromSnapshot: true, replayed: 2250 });
  });
});
