/**
 * Query plans of the event store's reads on a large table.
 *
 *   npm run bench -- query-plans [--events=N] [--keep]     (default 1,000,000 events)
 *
 * Fills a fresh database (created and dropped here) with N events of realistic shape — ~10
 * categories of skewed size, ~110,000 streams of skewed length (most a handful of events, a few
 * with thousands), ~10 events per transaction, events of a stream spread over the history — and
 * prints `EXPLAIN (ANALYZE, BUFFERS)` of the exact SQL that `EventStore` runs for readStream,
 * readAll and readCategory. The statements are PREPAREd with the store's own text (checked
 * against libs/event-store/src at start) and EXECUTEd with the parameters the store would send.
 *
 * The fill INSERTs into es.events directly, server-side, one transaction per 10 events (a
 * procedure that COMMITs in its loop, so every chunk gets its own transaction id, as appends do).
 * es.events refuses UPDATE, DELETE and TRUNCATE, not INSERT; es.append is bypassed only to load
 * a million rows in seconds rather than minutes. The database is dropped at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateEventStore } from '@outcomes/event-store';
import { createTestDatabase, type TestDatabase } from '@outcomes/testing';
import { Client } from 'pg';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
const EVENTS = Number(opt('events') ?? 1_000_000);
const EVENTS_PER_TRANSACTION = 10;
/** Leave the database for a look with psql (its URL is printed); drop it yourself afterwards. */
const KEEP = argv.includes('--keep');

// ---------------------------------------------------------------------------------------------
// The store's queries, copied from libs/event-store/src/event-store.ts (and EVENT_COLUMNS from
// rows.ts). `checkAgainstSource` fails the run if the store's text has changed.

const EVENT_COLUMNS = 'transaction_id, position, event_id, stream_id, category, version, type, data, metadata, recorded_at';

const READ_STREAM = `SELECT ${EVENT_COLUMNS} FROM es.events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`;

const READ_ALL = `SELECT ${EVENT_COLUMNS} FROM es.events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT $3`;

const READ_CATEGORY = `SELECT ${EVENT_COLUMNS} FROM es.events
        WHERE category = $1
          AND (transaction_id, position) > ($2::xid8, $3::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT $4`;

/** Not the store's text: a skew-proof form of READ_CATEGORY, printed at the end for comparison. */
const READ_CATEGORY_KEYS_FIRST = `SELECT ${EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM (
          SELECT transaction_id, position FROM es.events
           WHERE category = $1
             AND (transaction_id, position) > ($2::xid8, $3::bigint)
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, position
           LIMIT $4) k
        JOIN es.events e USING (transaction_id, position)
        ORDER BY k.transaction_id, k.position`;

const HELD_BACK = `SELECT (SELECT count(*) FROM es.events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS events,
              (SELECT extract(epoch FROM now() - min(xact_start)) * 1000 FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid())::float8 AS oldest_ms`;

function checkAgainstSource(): void {
  const src = join(__dirname, '..', 'libs', 'event-store', 'src');
  const store = readFileSync(join(src, 'event-store.ts'), 'utf8');
  const rows = readFileSync(join(src, 'rows.ts'), 'utf8');
  const columns = /EVENT_COLUMNS = '([^']+)'/.exec(rows)?.[1];
  if (columns !== EVENT_COLUMNS) throw new Error(`EVENT_COLUMNS changed in rows.ts: ${columns}`);
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  const source = squash(store.split('${EVENT_COLUMNS}').join(EVENT_COLUMNS));
  for (const [name, sql] of Object.entries({ READ_STREAM, READ_ALL, READ_CATEGORY, HELD_BACK })) {
    if (!source.includes(squash(sql))) throw new Error(`${name}: this text is no longer in event-store.ts; copy the store's query again`);
  }
}

// ---------------------------------------------------------------------------------------------
// The data

const CATEGORIES: ReadonlyArray<readonly [string, number, number]> = [
  // name, share of streams in percent, where in the history (0..1) its streams start at the earliest
  ['order', 20, 0],
  ['payment', 20, 0],
  ['shipment', 13, 0],
  ['customer', 10, 0],
  ['invoice', 8, 0],
  ['cart', 6, 0],
  ['review', 5, 0],
  // A category launched late: all its events are in the last tenth of the history.
  ['subscription', 13, 0.9],
  ['refund', 3, 0],
  ['inventory', 2, 0],
];

/**
 * Streams: 20 long ones (5,000 events each, over the whole history), the rest short (geometric,
 * ~8 events on average). A stream's events are spread over a stretch of the history after its
 * start; a category's streams start anywhere in its window.
 */
const PLAN_SQL = (events: number) => {
  let acc = 0;
  const cases = CATEGORIES.map(([name, pct]) => `WHEN s % 100 < ${(acc += pct)} THEN '${name}'`).join(' ');
  const starts = CATEGORIES.filter(([, , from]) => from > 0)
    .map(([name, , from]) => `WHEN category = '${name}' THEN ${from} + random() * ${(0.98 - from).toFixed(2)}`)
    .join(' ');
  return [
    `SELECT setseed(0.42)`,
    `CREATE UNLOGGED TABLE plan_streams AS
       SELECT s,
              CASE ${cases} END AS category,
              CASE WHEN s <= 20 THEN 5000 ELSE 1 + floor(-ln(1 - random()) * 8)::int END AS len
         FROM generate_series(1, ${Math.ceil(events / 8) + 1000}) s`,
    `ALTER TABLE plan_streams ADD COLUMN t0 float8`,
    `UPDATE plan_streams SET t0 = CASE WHEN s <= 20 THEN 0 ${starts} ELSE random() * 0.98 END`,
    `ALTER TABLE plan_streams ADD COLUMN gap float8`,
    `UPDATE plan_streams SET gap = CASE WHEN s <= 20 THEN 1.0 / len ELSE random() * (1 - t0) / len END`,
    `CREATE UNLOGGED TABLE plan_events AS
       SELECT row_number() OVER (ORDER BY t) AS rn, *
         FROM (SELECT st.category || '-' || st.s AS stream_id, st.category, v AS version,
                      initcap(st.category) || CASE WHEN v = 1 THEN 'Opened' WHEN v = st.len THEN 'Closed' ELSE 'Changed' END AS type,
                      jsonb_build_object('id', st.category || '-' || st.s, 'step', v, 'amount', (random() * 100000)::int,
                                         'currency', 'EUR', 'note', md5(random()::text)) AS data,
                      jsonb_build_object('correlationId', gen_random_uuid(), 'actor', 'user-' || (random() * 5000)::int) AS metadata,
                      st.t0 + v * st.gap AS t
                 FROM (SELECT *, sum(len) OVER (ORDER BY s) AS upto FROM plan_streams) st,
                      generate_series(1, st.len) v
                WHERE st.upto <= ${events} OR st.upto - st.len < ${events}) x
        ORDER BY t
        LIMIT ${events}`,
    `CREATE UNIQUE INDEX ON plan_events (rn)`,
    // One transaction per chunk: COMMIT inside the loop gives every chunk a transaction id of its own.
    `CREATE PROCEDURE plan_fill(p_chunk int) LANGUAGE plpgsql AS $$
     DECLARE
       i bigint := 0;
       n bigint := (SELECT max(rn) FROM plan_events);
     BEGIN
       WHILE i < n LOOP
         INSERT INTO es.events (transaction_id, position, event_id, stream_id, category, version, type, data, metadata, recorded_at)
         SELECT pg_current_xact_id(), nextval('es.event_position'), gen_random_uuid(), stream_id, category, version, type, data, metadata,
                timestamptz '2025-10-01' + t * interval '50 days'
           FROM plan_events WHERE rn > i AND rn <= i + p_chunk ORDER BY rn;
         COMMIT;
         i := i + p_chunk;
       END LOOP;
     END $$`,
  ];
};

// ---------------------------------------------------------------------------------------------

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

async function explain(c: Client, title: string, name: string, sql: string, params: readonly unknown[]): Promise<void> {
  await c.query(`PREPARE ${name} AS ${sql}`);
  const args = params.map((p) => (p === null ? 'NULL' : `'${String(p)}'`)).join(', ');
  const call = params.length ? `${name}(${args})` : name;
  const stmt = `EXPLAIN (ANALYZE, BUFFERS) EXECUTE ${call}`;
  await c.query(stmt); // once to warm the cache: the plan printed is the steady state
  const { rows } = await c.query<{ 'QUERY PLAN': string }>(stmt);
  out(`### ${title}`);
  out();
  out('```');
  out(`-- EXECUTE ${call}`);
  for (const r of rows) out(r['QUERY PLAN']);
  out('```');
  out();
}

async function main(): Promise<void> {
  checkAgainstSource();
  let db: TestDatabase | undefined;
  const t0 = performance.now();
  try {
    db = await createTestDatabase('bench_plans');
    await migrateEventStore(db.url);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('SET synchronous_commit = off'); // this session's fill only
      for (const sql of PLAN_SQL(EVENTS)) await c.query(sql);
      log(`plan of ${EVENTS} events built in ${((performance.now() - t0) / 1000).toFixed(1)}s; filling es.events`);
      const tf = performance.now();
      await c.query(`CALL plan_fill(${EVENTS_PER_TRANSACTION})`);
      log(`filled in ${((performance.now() - tf) / 1000).toFixed(1)}s`);

      // Samples for the parameters, taken before the plan tables go.
      const typicalId = (await c.query<{ id: string }>(`SELECT category || '-' || s AS id FROM plan_streams WHERE s > 20 AND len = 10 ORDER BY s LIMIT 1`)).rows[0]!.id;
      const typical = { id: typicalId, len: Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM es.events WHERE stream_id = $1', [typicalId])).rows[0]!.n) };
      await c.query('DROP TABLE plan_events, plan_streams');
      await c.query('DROP PROCEDURE plan_fill');
      await c.query('VACUUM (ANALYZE) es.events');

      const version = (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
      const stats = (
        await c.query<{ events: string; streams: string; transactions: string; table: string; indexes: string }>(
          `SELECT count(*) AS events, count(DISTINCT stream_id) AS streams, count(DISTINCT transaction_id) AS transactions,
                  pg_size_pretty(pg_table_size('es.events')) AS table, pg_size_pretty(pg_indexes_size('es.events')) AS indexes
             FROM es.events`,
        )
      ).rows[0]!;
      const categories = (
        await c.query<{ category: string; n: string }>(`SELECT category, count(*) AS n FROM es.events GROUP BY 1 ORDER BY 2 DESC`)
      ).rows;
      const middle = (
        await c.query<{ transaction_id: string; position: string }>(
          `SELECT transaction_id, position FROM es.events ORDER BY transaction_id, position OFFSET ${Math.floor(EVENTS / 2)} LIMIT 1`,
        )
      ).rows[0]!;
      const last = (await c.query<{ transaction_id: string; position: string }>(`SELECT transaction_id, position FROM es.events ORDER BY transaction_id DESC, position DESC LIMIT 1`))
        .rows[0]!;
      const smallest = categories[categories.length - 1]!.category;

      out(`PostgreSQL ${version}; es.events: ${Number(stats.events).toLocaleString('en-US')} events, ${Number(stats.streams).toLocaleString('en-US')} streams, ${Number(stats.transactions).toLocaleString('en-US')} transactions; table ${stats.table}, indexes ${stats.indexes}`);
      out(`categories: ${categories.map((r) => `${r.category} ${Number(r.n).toLocaleString('en-US')}`).join(', ')}`);
      out(`middle checkpoint ${middle.transaction_id}:${middle.position}; last ${last.transaction_id}:${last.position}`);
      out();

      await explain(c, `readStream('${typical.id}') — a typical stream (${typical.len} events), store defaults (from version 1, no limit)`, 'read_stream_typical', READ_STREAM, [typical.id, 1, null]);
      await explain(c, `readStream('order-1', { fromVersion: 2500, limit: 100 }) — one of the longest streams (5,000 events)`, 'read_stream_long', READ_STREAM, ['order-1', 2500, 100]);
      await explain(c, 'readAll(START) — from the beginning, default limit 1000', 'read_all_start', READ_ALL, [0, 0, 1000]);
      await explain(c, `readAll(${middle.transaction_id}:${middle.position}) — from a checkpoint in the middle, limit 1000`, 'read_all_middle', READ_ALL, [middle.transaction_id, middle.position, 1000]);
      await explain(c, `readAll(${last.transaction_id}:${last.position}) — caught up (the poll of an idle subscriber)`, 'read_all_tail', READ_ALL, [last.transaction_id, last.position, 1000]);
      await explain(c, `readCategory('order', START) — the largest category, from the beginning, limit 1000`, 'read_category_start', READ_CATEGORY, ['order', 0, 0, 1000]);
      await explain(c, `readCategory('${smallest}', ${middle.transaction_id}:${middle.position}) — the smallest category, from the middle checkpoint, limit 1000`, 'read_category_middle', READ_CATEGORY, [smallest, middle.transaction_id, middle.position, 1000]);
      await explain(c, `readCategory('subscription', START) — a category that only exists in the last tenth of the history, limit 1000`, 'read_category_late', READ_CATEGORY, ['subscription', 0, 0, 1000]);
      await explain(c, 'heldBack() — the lag metric', 'held_back', HELD_BACK, []);

      // Not what the store runs: how the misplan above goes away.
      out('## Remedies for the skewed category (not what the store runs today)');
      out();
      await c.query('SET random_page_cost = 1.1');
      out('With `random_page_cost = 1.1` (the usual setting for SSD storage; the default 4 models spinning disks):');
      out();
      await explain(c, `readCategory('subscription', START), random_page_cost = 1.1`, 'read_category_late_rpc', READ_CATEGORY, ['subscription', 0, 0, 1000]);
      await explain(c, `readCategory('order', START), random_page_cost = 1.1`, 'read_category_start_rpc', READ_CATEGORY, ['order', 0, 0, 1000]);
      await c.query('RESET random_page_cost');
      out('Keys first: the batch\'s keys from an index-only scan of events_category_order, then the rows by primary key (default settings):');
      out();
      await explain(c, `keys-first readCategory('subscription', START)`, 'read_category_late_keys', READ_CATEGORY_KEYS_FIRST, ['subscription', 0, 0, 1000]);
      await explain(c, `keys-first readCategory('order', START)`, 'read_category_start_keys', READ_CATEGORY_KEYS_FIRST, ['order', 0, 0, 1000]);
    } finally {
      await c.end();
    }
  } finally {
    if (KEEP && db) log(`kept ${db.url}`);
    else await db?.drop();
  }
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
