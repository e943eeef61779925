/**
 * `npm run bench -- capi [--quick] [--seconds=30] [--concurrency=4]`
 *
 * Conversion events per second accepted through the Conversions API in batches of 1,000, 10% of
 * each batch repeating ids already sent, against the platform as `npm start` runs it. An event
 * counts once the API has answered for it, which it does after the transaction that records it
 * committed (durable). After the run: every accepted event is stored exactly once
 * (`duplicates_processed` must be 0).
 *
 * Peer, in the same run and database: the same rows (the dedup row and the event) written by one
 * plain multi-row INSERT per batch straight from this process, no HTTP, no NATS, no checks. The
 * ratio says what the API's path costs over the bare writes.
 */
import { opt, quick } from './lib';
import { percentile, startBenchPlatform } from './platform';

const seconds = opt('seconds', quick ? 8 : 30);
const concurrency = opt('concurrency', 4);
const BATCH = 1000;
const DUPLICATE_SHARE = 0.1;



async function main(): Promise<void> {
  const { db, operatorKey, call, stop } = await startBenchPlatform(['catalog', 'engine-gateway', 'delivery-optimizer', 'auction', 'capi-ingest']);

  const buyer = await call<{ api_key: { secret: string } }>('POST', '/v1/buyers', operatorKey, { name: 'bench' });
  const key = buyer.body.api_key.secret;
  const cfg = await call<{ id: string }>('POST', '/v1/configs', key, { name: 'bench', outcome_type: 'cs.resolve', bid_strategy: { type: 'highest_volume' }, budget: { amount: '1000.00', period: 'total' } });
  await call('POST', `/v1/configs/${cfg.body.id}/launch`, key);
  const outcomes: string[] = [];
  for (let i = 0; i < 50; i++) outcomes.push((await call<{ id: string }>('POST', '/v1/outcomes', key, { config_id: cfg.body.id, input: `q${i}` })).body.id);

  let sent = 0;
  const batchMs: number[] = [];
  let accepted = 0;
  let duplicates = 0;
  let other = 0;
  const event = (n: number) => ({
    event_id: `ev-${n}`,
    event_type: n % 5 === 0 ? 'outcome.failure' : 'outcome.success',
    event_time: new Date().toISOString(),
    outcome_id: outcomes[n % outcomes.length],
    success_criteria_results: { resolution_confirmed: n % 5 !== 0, no_reopen_24h: true },
    outcome_value: { amount: '12.50', currency: 'USD' },
    source: 'webhook',
    labels: ['bench'],
  });
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const fresh = Math.round(BATCH * (1 - DUPLICATE_SHARE));
      const first = sent;
      sent += fresh;
      const events = Array.from({ length: fresh }, (_, i) => event(first + i));
      // A tenth of the batch repeats ids sent before (or earlier in this batch, for the first one).
      for (let i = 0; i < BATCH - fresh; i++) events.push(event(Math.floor(Math.random() * (first + fresh))));
      const t0 = performance.now();
      const res = await call<{ results: Array<{ status: string; error?: unknown }> }>('POST', '/v1/events/batch', key, { events });
      batchMs.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      for (const r of res.body.results) {
        if (r.status === 'accepted') accepted++;
        else if (r.status === 'duplicate') duplicates++;
        else {
          other++;
          if (other === 1) console.error(`first refusal: ${JSON.stringify(r).slice(0, 500)}`);
        }
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;

  const pool = db.pool({ max: 4 });
  const { rows } = await pool.query<{ stored: string; rows: string }>(
    `SELECT (SELECT coalesce(sum(jsonb_array_length(data->'conversions')), 0) FROM es.events WHERE type = 'ConversionsReported') AS stored, (SELECT count(*) FROM capi.events) AS rows`,
  );
  const stored = Number(rows[0]!.stored);

  // The peer: the same two writes per event, one plain multi-row INSERT each per batch, no checks.
  await pool.query(`CREATE TABLE bench_peer_ids (buyer_id text, event_id text, PRIMARY KEY (buyer_id, event_id))`);
  await pool.query(`CREATE TABLE bench_peer_events (id bigserial PRIMARY KEY, stream_id text, type text, data jsonb)`);
  let peerEvents = 0;
  const peerDeadline = performance.now() + Math.min(seconds, 10) * 1000;
  const peerStarted = performance.now();
  const peerWorker = async () => {
    const client = await pool.connect();
    try {
      while (performance.now() < peerDeadline) {
        const first = peerEvents;
        peerEvents += BATCH;
        const events = Array.from({ length: BATCH }, (_, i) => ({ ...event(first + i), event_id: `peer-${first + i}` }));
        await client.query('BEGIN');
        await client.query(`INSERT INTO bench_peer_ids SELECT 'buy', x.event_id FROM jsonb_to_recordset($1::jsonb) AS x(event_id text) ON CONFLICT DO NOTHING`, [JSON.stringify(events)]);
        await client.query(`INSERT INTO bench_peer_events (stream_id, type, data) SELECT 'conversion-buy', 'ConversionReported', x FROM jsonb_array_elements($1::jsonb) AS x`, [JSON.stringify(events)]);
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, peerWorker));
  const peerPerS = Math.round(peerEvents / ((performance.now() - peerStarted) / 1000));

  batchMs.sort((a, b) => a - b);
  const results = {
    events_per_s: Math.round((accepted + duplicates) / elapsed),
    accepted_per_s: Math.round(accepted / elapsed),
    batches: batchMs.length,
    accepted,
    duplicates_acknowledged: duplicates,
    refused: other,
    p50_batch_ms: Number(percentile(batchMs, 50).toFixed(1)),
    p99_batch_ms: Number(percentile(batchMs, 99).toFixed(1)),
    duplicates_processed: stored - accepted,
    dedup_rows_match: Number(rows[0]!.rows) === stored,
    peer_plain_insert_events_per_s: peerPerS,
    ratio_vs_peer: Number(((accepted + duplicates) / elapsed / peerPerS).toFixed(2)),
  };
  console.log(`capi: ${seconds}s, ${concurrency} concurrent clients, batches of ${BATCH} with ${DUPLICATE_SHARE * 100}% repeats`);
  console.table(results);
  console.log(JSON.stringify({ bench: 'capi', seconds, concurrency, batch: BATCH, targets: { events_per_s: 20000, duplicates_processed: 0 }, results }));
  await pool.end();
  await stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
