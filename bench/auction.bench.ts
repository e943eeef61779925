/**
 * `npm run bench -- auction [--quick] [--seconds=60] [--warmup=5] [--concurrency=16] [--rate=0] [--copies=1] [--relay=0]`
 *
 * Outcome requests per second from HTTP to award, with 10 engines answering every bid request,
 * against the platform as `npm start` runs it (migrations, catalog, engine gateway, auction and
 * API gateway as processes on a fresh database and NATS namespace). Latency is measured from the
 * POST to the moment the winning engine receives its award (`answer_*`: from the POST to its 201,
 * the request recorded). After the run, every budget is checked: spent plus reserved must not
 * exceed its limit (`overspend_micros`). The load runs `--warmup` seconds before the measured
 * `--seconds` (JIT compilation, caches, the optimizer's first quote state); requests posted in the
 * warm-up are not counted, but their budgets are checked with the rest.
 *
 * The engines accept every award and never finish, so each holds its outcomes to the end: at most
 * 100,000 each (the registry's maximum), a million for the ten. A run that requests more (about ten
 * minutes at 1,650/s) finds every engine full for its last requests, which escalate at once for
 * want of a bid: `requested` then passes `awarded`, and the last windows fall to nothing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectBus } from '@outcomes/bus';
import { runEngine } from '@outcomes/engine-kit';
import { testNatsUrl } from '@outcomes/testing';
import { opt, quick } from './lib';
import { percentile, startBenchPlatform } from './platform';
import { RawHttpConnection } from './raw-http';

const seconds = opt('seconds', quick ? 10 : 60);
const warmup = opt('warmup', quick ? 2 : 5);
/**
 * Clients, each posting its next request when the last one was answered (a closed loop). Sixteen
 * keep two cores busy; more only wait in line, and past the 64 auctions a copy runs at once they are
 * refused with 503 (counted as `shed_503`).
 */
const concurrency = opt('concurrency', 16);
/**
 * 0: the closed loop above, which finds the rate the platform sustains. N: an open loop that posts N
 * requests a second on a fixed schedule whatever the answers (over as many connections as requests
 * in flight), as traffic from many independent buyers would. Latency then counts from the moment
 * each request was due, so time spent waiting behind slow answers is not left out (the closed
 * loop's coordinated omission).
 */
const rate = opt('rate', 0);
/** Copies of the auction service (they share the work through NATS queue groups). */
const copies = opt('copies', 1);
/** 1: the relay runs too, publishing every event to JetStream as under `npm start` (the optimizer then learns from both). */
const relay = opt('relay', 0) === 1;
const ENGINES = 10;



async function main(): Promise<void> {
  const { db, namespace, operatorKey, port, call, stop } = await startBenchPlatform(['catalog', 'engine-gateway', 'delivery-optimizer', ...(relay ? ['relay'] : []), ...Array.from({ length: copies }, () => 'auction')]);

  const bus = await connectBus({ servers: testNatsUrl(), name: 'bench-engines', namespace });
  const awardedAt = new Map<string, number>();
  for (let i = 0; i < ENGINES; i++) {
    const { body } = await call<{ id: string }>('POST', '/v1/engines', operatorKey, {
      name: `bench-${i}`,
      vendor: 'bench',
      model: { name: 'm', version: '1' },
      harness: { name: 'h', version: '1' },
      outcome_types: ['cs.resolve'],
      max_concurrent_outcomes: 100_000,
      transport: { type: 'nats' },
    });
    runEngine(bus, body.id, {
      bid: () => ({ priceMicros: 200_000 + i * 10_000 }),
      award: (run) => {
        // The first award: a re-auction would award the outcome again (none is due in a bench: see the configuration).
        if (!awardedAt.has(run.award.outcome_id)) awardedAt.set(run.award.outcome_id, performance.now());
        return true;
      },
    });
  }
  const buyer = await call<{ api_key: { secret: string } }>('POST', '/v1/buyers', operatorKey, { name: 'bench' });
  const key = buyer.body.api_key.secret;
  // The engines never finish what they are awarded. With the type's default maximum latency (five
  // minutes) a run longer than that would re-auction its first outcomes, up to three times each, and
  // measure those auctions on top of the new ones: the bench's outcomes may take a day.
  const cfg = await call<{ id: string }>('POST', '/v1/configs', key, {
    name: 'bench',
    outcome_type: 'cs.resolve',
    bid_strategy: { type: 'bid_cap', bid_cap: '0.75' },
    budget: { amount: '1000000.00', period: 'total' },
    delivery_constraints: { max_latency_seconds: 86_400 },
  });
  await call('POST', `/v1/configs/${cfg.body.id}/launch`, key);

  const postedAt = new Map<string, number>();
  /** POST to its 201 (the request recorded), of each accepted request. */
  const answeredIn: number[] = [];
  let errors = 0;
  let shed = 0;
  const started = performance.now() + warmup * 1000;
  // The load generator's own stalls (its GC, its ten engines): after one, every request that fell due goes at once.
  const generatorDelay = monitorEventLoopDelay({ resolution: 10 });
  setTimeout(() => generatorDelay.enable(), warmup * 1000).unref();
  const deadline = started + seconds * 1000;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ config_id: cfg.body.id, input: 'bench' });
  /** One request; `due` is when it was due (`performance.now()` time), from which its latency counts. */
  const post = async (http: RawHttpConnection, due: number): Promise<number | undefined> => {
    const res = await http.request('POST', '/v1/outcomes', headers, body).catch(() => undefined);
    // Requests due in the warm-up are not counted.
    const counted = due >= started;
    if (res?.status === 201) {
      if (counted) {
        const { id } = JSON.parse(res.body) as { id: string };
        postedAt.set(id, due);
        answeredIn.push(performance.now() - due);
      }
    } else if (res?.status === 503) {
      if (counted) shed++;
      return 503;
    } else if (counted) errors++;
    return res?.status;
  };
  const closedLoop = async () => {
    // Each client on its own connection, through a minimal HTTP client (see RawHttpConnection).
    const http = new RawHttpConnection(port);
    while (performance.now() < deadline) {
      // At capacity the marketplace refuses rather than queues: count it, back off briefly, retry.
      if ((await post(http, performance.now())) === 503) await new Promise((r) => setTimeout(r, 20));
    }
    http.close();
  };
  const openLoop = async () => {
    const idle: RawHttpConnection[] = [];
    const all: RawHttpConnection[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const first = started - warmup * 1000;
    const interval = 1000 / rate;
    for (let i = 0; ; i++) {
      const due = first + i * interval;
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const http = idle.pop() ?? all[all.push(new RawHttpConnection(port)) - 1]!;
      const sent = post(http, due).finally(() => {
        idle.push(http);
        inFlight.delete(sent);
      });
      inFlight.add(sent);
    }
    await Promise.all(inFlight);
    for (const http of all) http.close();
    return all.length;
  };
  const connections = rate > 0 ? await openLoop() : (await Promise.all(Array.from({ length: concurrency }, closedLoop))).length;
  const elapsed = (performance.now() - started) / 1000;
  generatorDelay.disable();
  await new Promise((r) => setTimeout(r, 3000));

  const awarded = [...postedAt].flatMap(([id, t0]) => (awardedAt.has(id) ? [{ t0, ms: awardedAt.get(id)! - t0 }] : []));
  const latencies = awarded.map((a) => a.ms).sort((a, b) => a - b);
  // The run in 10-second windows (by the time each request was posted): a slow stretch shows where it was.
  const windows = Array.from({ length: Math.ceil(seconds / 10) }, (_, w) => {
    const inWindow = awarded.filter((a) => a.t0 - started >= w * 10_000 && a.t0 - started < (w + 1) * 10_000).map((a) => a.ms).sort((a, b) => a - b);
    const span = Math.min(10, seconds - w * 10);
    return { from_s: w * 10, auctions_per_s: Math.round(inWindow.length / span), p50_ms: Number(percentile(inWindow, 50).toFixed(1)), p99_ms: Number(percentile(inWindow, 99).toFixed(1)) };
  });
  const pool = db.pool({ max: 1 });
  const { rows } = await pool.query<{ overspend: string }>(
    `WITH r AS (SELECT stream_id, sum(CASE type WHEN 'BudgetReserved' THEN (data->>'amountMicros')::bigint
                                            WHEN 'BudgetAdjusted' THEN (data->>'toMicros')::bigint - (data->>'fromMicros')::bigint ELSE 0 END) AS reserved,
                     sum(CASE type WHEN 'BudgetReleased' THEN (data->>'releasedMicros')::bigint WHEN 'BudgetCharged' THEN (data->>'releasedMicros')::bigint ELSE 0 END) AS released
                FROM es.events WHERE stream_id LIKE 'budget-%' GROUP BY stream_id)
     SELECT coalesce(sum(greatest(0, reserved - released - 1000000000000)), 0) AS overspend FROM r`,
  );
  const answers = answeredIn.sort((a, b) => a - b);
  const results = {
    auctions_per_s: Math.round(latencies.length / elapsed),
    requests_per_s: Math.round(postedAt.size / elapsed),
    awarded: latencies.length,
    requested: postedAt.size,
    errors,
    shed_503: shed,
    p50_ms: Number(percentile(latencies, 50).toFixed(1)),
    p99_ms: Number(percentile(latencies, 99).toFixed(1)),
    answer_p50_ms: Number(percentile(answers, 50).toFixed(1)),
    answer_p99_ms: Number(percentile(answers, 99).toFixed(1)),
    overspend_micros: Number(rows[0]!.overspend),
    generator_delay_p99_ms: Number((generatorDelay.percentile(99) / 1e6).toFixed(1)),
    generator_delay_max_ms: Number((generatorDelay.max / 1e6).toFixed(1)),
  };
  const load = rate > 0 ? `${rate} requests/s on a schedule (${connections} connections)` : `${concurrency} concurrent clients`;
  console.log(`auction: ${seconds}s after ${warmup}s of warm-up, ${load}, ${ENGINES} engines`);
  console.table(results);
  console.table(windows);
  if (results.awarded < results.requested) console.log(`${results.requested - results.awarded} requests were not awarded within 3 s of the end (past a million, the engines are full: see the top of this file)`);
  console.log(JSON.stringify({ bench: 'auction', seconds, warmup_s: warmup, ...(rate > 0 ? { rate, connections } : { concurrency }), relay, engines: ENGINES, targets: { auctions_per_s: 1000, p99_ms: 50, overspend_micros: 0 }, results, windows }));
  await bus.close();
  await stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
