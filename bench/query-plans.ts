/**
 * Query plans of the event store's reads on a large store.
 *
 *   npm run bench -- query-plans [--events=N] [--keep]     (default 1,000,000 events)
 *
 * Fills a fresh database (created and dropped here) with at least N events of realistic shape —
 * ~10 categories of skewed size, ~125,000 streams of skewed length (most a handful of events, a
 * few with thousands), events of a stream spread over the history — stored as the store stores
 * them: a commit per append and stream (`es.commits`, its events one JSON array), most commits of
 * 1-3 events, 3 % of the appends to streams with room for it 50-200 events, ~10 events per
 * transaction. It prints `EXPLAIN (ANALYZE, BUFFERS)` of the exact SQL that `EventStore` runs for
 * readStream, readAll, readCategory and heldBack. The statements are PREPAREd with the store's own
 * text (checked against libs/event-store/src at start) and EXECUTEd with the parameters the store
 * would send.
 *
 * The fill INSERTs into es.commits and es.event_ids directly, server-side, one transaction per
 * ~10 events (a procedure that COMMITs in its loop, so every chunk gets its own transaction id, as
 * appends do); each commit takes one value of es.event_position, as es.append does. The tables
 * refuse UPDATE, DELETE and TRUNCATE, not INSERT; es.append is bypassed only to load a million
 * events in seconds rather than minutes. The database is dropped at the end.
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
// The store's queries, copied from libs/event-store/src/event-store.ts (and EVENTS_FROM,
// EVENT_COLUMNS, MAX_COMMIT_EVENTS from rows.ts). `checkAgainstSource` fails the run if the
// store's text has changed.

const EVENTS_FROM = `es.commits c CROSS JOIN LATERAL ROWS FROM (json_array_elements(c.events), unnest(c.event_ids)) WITH ORDINALITY AS e(ev, event_id, ord)`;

const EVENT_COLUMNS = `c.transaction_id, c.position + e.ord - 1 AS position, e.event_id, c.stream_id, c.category, c.version + e.ord - 1 AS version, e.ev, c.recorded_at`;

const MAX_COMMIT_EVENTS = 1000;

const READ_STREAM = `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE c.stream_id = $1
          AND c.version >= (SELECT coalesce(max(h.version), 1) FROM es.commits h WHERE h.stream_id = $1 AND h.version <= $2::bigint)
          AND c.version + e.ord - 1 >= $2::bigint
        ORDER BY c.version, e.ord
        LIMIT $3`;

const READ_ALL = `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE (c.transaction_id, c.position) > ($1::xid8, $2::bigint - ${MAX_COMMIT_EVENTS})
          AND (c.transaction_id, c.position + e.ord - 1) > ($1::xid8, $2::bigint)
          AND c.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY c.transaction_id, c.position, e.ord
        LIMIT $3`;

/** The store's text for one category (`readCategory('order')`); several use `c.category = ANY($1::text[])`. */
const READ_CATEGORY = `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_FROM}
        WHERE c.category = $1
          AND (c.transaction_id, c.position) > ($2::xid8, $3::bigint - ${MAX_COMMIT_EVENTS})
          AND (c.transaction_id, c.position + e.ord - 1) > ($2::xid8, $3::bigint)
          AND c.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY c.transaction_id, c.position, e.ord
        LIMIT $4`;

/**
 * Not the store's text: a skew-proof form of READ_CATEGORY, printed at the end for comparison. The
 * batch's commits come from an index-only scan of commits_category_order (one more than the limit:
 * the first may hold only events up to the checkpoint), then each commit by primary key.
 */
const READ_CATEGORY_KEYS_FIRST = `SELECT ${EVENT_COLUMNS} FROM (
          SELECT transaction_id, position FROM es.commits
           WHERE category = $1
             AND (transaction_id, position) > ($2::xid8, $3::bigint - ${MAX_COMMIT_EVENTS})
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, position
           LIMIT $4 + 1) k
        JOIN es.commits c ON (c.transaction_id, c.position) = (k.transaction_id, k.position)
        CROSS JOIN LATERAL ROWS FROM (json_array_elements(c.events), unnest(c.event_ids)) WITH ORDINALITY AS e(ev, event_id, ord)
        WHERE (c.transaction_id, c.position + e.ord - 1) > ($2::xid8, $3::bigint)
        ORDER BY c.transaction_id, c.position, e.ord
        LIMIT $4`;

const HELD_BACK = `SELECT (SELECT coalesce(sum(count), 0) FROM es.commits WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS events,
              (SELECT extract(epoch FROM now() - min(xact_start)) * 1000 FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid())::float8 AS oldest_ms`;

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The value of `export const <name> = ...;` in a source text: a template literal (no `${}` in it), a string or a number. */
function constantIn(text: string, file: string, name: string): string {
  const m = new RegExp(`export const ${name}\\s*=\\s*(?:\`([^\`]*)\`|'([^']*)'|([0-9_]+))\\s*;`).exec(text);
  const value = m?.[1] ?? m?.[2] ?? m?.[3]?.replace(/_/g, '');
  if (value === undefined) throw new Error(`${file}: no \`export const ${name} = <literal>;\` found; update bench/query-plans.ts`);
  return value;
}

function checkAgainstSource(): void {
  const src = join(__dirname, '..', 'libs', 'event-store', 'src');
  const store = readFileSync(join(src, 'event-store.ts'), 'utf8');
  const rows = readFileSync(join(src, 'rows.ts'), 'utf8');
  const constants = { EVENTS_FROM, EVENT_COLUMNS, MAX_COMMIT_EVENTS: String(MAX_COMMIT_EVENTS) };
  for (const [name, copy] of Object.entries(constants)) {
    const value = constantIn(rows, 'rows.ts', name);
    if (squash(value) !== squash(copy)) throw new Error(`${name} changed in rows.ts: ${value}`);
  }
  // The store's text with its constants in place, and readCategory's one-category branch taken.
  let source = store;
  for (const [name, value] of Object.entries(constants)) source = source.split(`\${${name}}`).join(value);
  source = squash(source.replace(/\$\{several \? '[^']*' : '([^']*)'\}/g, '$1'));
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
 *
 * Appends: a stream's versions are cut into commits, each a run of consecutive versions: 1-3
 * events (uniform), or, with probability 3 % where the stream has 50 events or more, 50-200 events
 * (cut at the stream's end). A commit happens at the time of its first event; commits in time
 * order are grouped into transactions of ~10 events (a commit is never split), and the history
 * ends with the commit that reaches N events.
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
    // The appends: draws of commit sizes per stream, their running sum gives each commit's first version.
    `CREATE UNLOGGED TABLE plan_commits AS
       SELECT row_number() OVER (ORDER BY t, stream_id) AS rn, *
         FROM (SELECT st.category || '-' || st.s AS stream_id, st.category, st.len, x.version,
                      least(x.size, st.len - x.version + 1) AS count, st.t0 + x.version * st.gap AS t
                 FROM (SELECT *, sum(len) OVER (ORDER BY s) AS upto FROM plan_streams) st
                 CROSS JOIN LATERAL (
                   SELECT sum(d.size) OVER (ORDER BY d.k) - d.size + 1 AS version, d.size
                     FROM (SELECT k, CASE WHEN st.len >= 50 AND random() < 0.03 THEN 50 + floor(random() * 151)::int
                                          ELSE 1 + floor(random() * 3)::int END AS size
                             FROM generate_series(1, st.len) k) d) x
                WHERE st.upto - st.len < ${events} AND x.version <= st.len) c`,
    // The history: commits in time order up to the one that reaches N events, ~10 events a transaction.
    `CREATE UNLOGGED TABLE plan_fill AS
       SELECT rn, dense_rank() OVER (ORDER BY before / ${EVENTS_PER_TRANSACTION}) AS tx, stream_id, category, len, version, count, t
         FROM (SELECT *, (sum(count) OVER (ORDER BY rn))::bigint - count AS before FROM plan_commits) c
        WHERE before < ${events}`,
    `CREATE UNIQUE INDEX ON plan_fill (tx, rn)`,
    // A transaction per chunk: COMMIT inside the loop gives every chunk a transaction id of its own.
    // The events of a commit: one JSON array of {type, data, metadata} without whitespace (as
    // JSON.stringify sends it; no value here has any), and UUID v7 ids from the commit's time.
    `CREATE PROCEDURE plan_fill() LANGUAGE plpgsql AS $$
     DECLARE
       i bigint := 1;
       n bigint := (SELECT max(tx) FROM plan_fill);
     BEGIN
       WHILE i <= n LOOP
         WITH c AS (
           INSERT INTO es.commits (transaction_id, position, stream_id, category, version, count, event_ids, events, recorded_at)
           SELECT pg_current_xact_id(), nextval('es.event_position'), f.stream_id, f.category, f.version, f.count,
                  (SELECT array_agg((lpad(to_hex((extract(epoch FROM r.recorded_at) * 1000)::bigint), 12, '0') || '7'
                                     || substr(replace(gen_random_uuid()::text, '-', ''), 14))::uuid ORDER BY k)
                     FROM generate_series(1, f.count) k),
                  (SELECT regexp_replace(json_agg(json_build_object(
                            'type', initcap(f.category) || CASE WHEN v = 1 THEN 'Opened' WHEN v = f.len THEN 'Closed' ELSE 'Changed' END,
                            'data', json_build_object('id', f.stream_id, 'step', v, 'amount', (random() * 100000)::int,
                                                      'currency', 'EUR', 'note', md5(random()::text)),
                            'metadata', json_build_object('correlationId', gen_random_uuid(), 'actor', 'user-' || (random() * 5000)::int))
                          ORDER BY v)::text, '\\s', '', 'g')::json
                     FROM generate_series(f.version, f.version + f.count - 1) v),
                  r.recorded_at
             FROM plan_fill f CROSS JOIN LATERAL (SELECT timestamptz '2025-10-01' + f.t * interval '50 days' AS recorded_at) r
            WHERE f.tx = i ORDER BY f.rn
           RETURNING transaction_id, position, event_ids)
         INSERT INTO es.event_ids (event_id, transaction_id, position)
         SELECT x.id, c.transaction_id, c.position + x.ord - 1 FROM c CROSS JOIN LATERAL unnest(c.event_ids) WITH ORDINALITY AS x(id, ord);
         COMMIT;
         i := i + 1;
       END LOOP;
     END $$`,
  ];
};

/**
 * What es.append guarantees, checked on the fill: a stream's commits are gap-free from version 1,
 * and a later version is later in the global order; positions of a commit's events stay below the
 * next value of the sequence. Answers the number of commits that break one of these (0).
 */
const CHECK_FILL = `
  SELECT count(*) FILTER (WHERE (prev_version IS NULL AND version <> 1) OR (prev_version IS NOT NULL AND version <> prev_version + prev_count)
                             OR (prev_tx, prev_pos) > (transaction_id, position)
                             OR count > ${MAX_COMMIT_EVENTS} OR position % ${MAX_COMMIT_EVENTS} <> 1) AS bad
    FROM (SELECT transaction_id, position, version, count,
                 lag(version) OVER w AS prev_version, lag(count) OVER w AS prev_count,
                 lag(transaction_id) OVER w AS prev_tx, lag(position) OVER w AS prev_pos
            FROM es.commits WINDOW w AS (PARTITION BY stream_id ORDER BY version)) x`;

// ---------------------------------------------------------------------------------------------

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const num = (x: string | number): string => Number(x).toLocaleString('en-US');

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
      // This session's fill only: the fill's statement is estimated above jit_above_cost, and JIT
      // compiling it for every transaction made the fill take over 20 minutes instead of ~40 s.
      await c.query('SET synchronous_commit = off');
      await c.query('SET jit = off');
      for (const sql of PLAN_SQL(EVENTS)) await c.query(sql);
      log(`plan of ${EVENTS} events built in ${((performance.now() - t0) / 1000).toFixed(1)}s; filling es.commits and es.event_ids`);
      const tf = performance.now();
      await c.query(`CALL plan_fill()`);
      log(`filled in ${((performance.now() - tf) / 1000).toFixed(1)}s`);

      // Samples for the parameters, taken before the plan tables go.
      // A short stream of 10 events, all stored (a small --events may have none: then the last stream written).
      const typicalId = (
        await c.query<{ id: string }>(
          `SELECT coalesce((SELECT category || '-' || s FROM plan_streams p
                             WHERE s > 20 AND len = 10 AND (SELECT sum(count) FROM es.commits c WHERE c.stream_id = p.category || '-' || p.s) = 10
                             ORDER BY s LIMIT 1),
                           (SELECT stream_id FROM es.commits ORDER BY transaction_id DESC, position DESC LIMIT 1)) AS id`,
        )
      ).rows[0]!.id;
      await c.query('DROP TABLE plan_fill, plan_commits, plan_streams');
      await c.query('DROP PROCEDURE plan_fill');
      await c.query('RESET jit'); // the reads below run with the server's settings
      await c.query('VACUUM (ANALYZE) es.commits, es.event_ids');
      const bad = Number((await c.query<{ bad: string }>(CHECK_FILL)).rows[0]!.bad);
      if (bad !== 0) throw new Error(`the fill broke es.append's invariants in ${bad} commits`);
      log(`vacuumed and checked at ${((performance.now() - t0) / 1000).toFixed(1)}s`);

      const version = (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
      const stats = (
        await c.query<{ events: string; commits: string; streams: string; transactions: string; table: string; toast: string; indexes: string; ids_table: string; ids_index: string }>(
          `SELECT sum(count) AS events, count(*) AS commits, count(DISTINCT stream_id) AS streams, count(DISTINCT transaction_id) AS transactions,
                  pg_size_pretty(pg_table_size('es.commits')) AS table,
                  pg_size_pretty(pg_total_relation_size((SELECT reltoastrelid FROM pg_class WHERE oid = 'es.commits'::regclass))) AS toast,
                  pg_size_pretty(pg_indexes_size('es.commits')) AS indexes,
                  pg_size_pretty(pg_table_size('es.event_ids')) AS ids_table, pg_size_pretty(pg_indexes_size('es.event_ids')) AS ids_index
             FROM es.commits`,
        )
      ).rows[0]!;
      const events = Number(stats.events);
      const sizes = (
        await c.query<{ size: string; commits: string; events: string }>(
          `SELECT CASE WHEN count <= 3 THEN count::text WHEN count < 50 THEN '4-49' ELSE '50-200' END AS size, count(*) AS commits, sum(count) AS events
             FROM es.commits GROUP BY 1 ORDER BY min(count)`,
        )
      ).rows;
      const categories = (
        await c.query<{ category: string; n: string }>(`SELECT category, sum(count) AS n FROM es.commits GROUP BY 1 ORDER BY 2 DESC`)
      ).rows;
      // The event at offset N/2 of the global order, found by counting commits' events.
      const middle = (
        await c.query<{ transaction_id: string; position: string; commit_position: string; count: number }>(
          `SELECT transaction_id, position + ($1 - before) AS position, position AS commit_position, count
             FROM (SELECT transaction_id, position, count, sum(count) OVER (ORDER BY transaction_id, position) - count AS before FROM es.commits) x
            WHERE before <= $1 AND $1 < before + count`,
          [Math.floor(events / 2)],
        )
      ).rows[0]!;
      const last = (
        await c.query<{ transaction_id: string; position: string }>(
          `SELECT transaction_id, position + count - 1 AS position FROM es.commits ORDER BY transaction_id DESC, position DESC LIMIT 1`,
        )
      ).rows[0]!;
      const typical = (
        await c.query<{ events: string; commits: string }>(`SELECT sum(count) AS events, count(*) AS commits FROM es.commits WHERE stream_id = $1`, [typicalId])
      ).rows[0]!;
      const long = (
        await c.query<{ events: string; commits: string; big: string }>(
          `SELECT sum(count) AS events, count(*) AS commits, count(*) FILTER (WHERE count >= 50) AS big FROM es.commits WHERE stream_id = 'order-1'`,
        )
      ).rows[0]!;
      // A version inside one of its big commits, near the middle of the stream.
      const inside = (
        await c.query<{ version: string; count: number }>(
          `SELECT version, count FROM es.commits WHERE stream_id = 'order-1' AND count >= 50 ORDER BY abs(version - 2500) LIMIT 1`,
        )
      ).rows[0]!;
      const fromVersion = Number(inside.version) + Math.floor(inside.count / 2);
      const smallest = categories[categories.length - 1]!.category;

      out(
        `PostgreSQL ${version}; es.commits: ${num(events)} events in ${num(stats.commits)} commits, ${num(stats.streams)} streams, ` +
          `${num(stats.transactions)} transactions; table ${stats.table} (of which TOAST ${stats.toast}), indexes ${stats.indexes}; es.event_ids: table ${stats.ids_table}, index ${stats.ids_index}`,
      );
      out(`commits by events: ${sizes.map((r) => `${r.size}: ${num(r.commits)} commits, ${num(r.events)} events`).join('; ')}`);
      out(`categories (events): ${categories.map((r) => `${r.category} ${num(r.n)}`).join(', ')}`);
      out(
        `middle checkpoint ${middle.transaction_id}:${middle.position} (event ${Number(middle.position) - Number(middle.commit_position) + 1} of a commit of ${middle.count} at ${middle.commit_position}); ` +
          `last ${last.transaction_id}:${last.position}`,
      );
      out();

      await explain(
        c,
        `readStream('${typicalId}') — a typical stream (${typical.events} events in ${typical.commits} commits), store defaults (from version 1, no limit)`,
        'read_stream_typical',
        READ_STREAM,
        [typicalId, 1, null],
      );
      await explain(
        c,
        `readStream('order-1', { fromVersion: ${fromVersion}, limit: 100 }) — one of the longest streams (${num(long.events)} events in ${num(long.commits)} commits, ${long.big} of 50-200), ` +
          `from inside its commit of versions ${inside.version}-${Number(inside.version) + inside.count - 1}`,
        'read_stream_long',
        READ_STREAM,
        ['order-1', fromVersion, 100],
      );
      await explain(c, 'readAll(START) — from the beginning, default limit 1000', 'read_all_start', READ_ALL, [0, 0, 1000]);
      await explain(c, `readAll(${middle.transaction_id}:${middle.position}) — from a checkpoint in the middle, limit 1000`, 'read_all_middle', READ_ALL, [middle.transaction_id, middle.position, 1000]);
      await explain(c, `readAll(${last.transaction_id}:${last.position}) — caught up (the poll of an idle subscriber)`, 'read_all_tail', READ_ALL, [last.transaction_id, last.position, 1000]);
      await explain(c, `readCategory('order', START) — the largest category, from the beginning, limit 1000`, 'read_category_start', READ_CATEGORY, ['order', 0, 0, 1000]);
      await explain(
        c,
        `readCategory('${smallest}', ${middle.transaction_id}:${middle.position}) — the smallest category, from the middle checkpoint, limit 1000`,
        'read_category_middle',
        READ_CATEGORY,
        [smallest, middle.transaction_id, middle.position, 1000],
      );
      await explain(c, `readCategory('subscription', START) — a category that only exists in the last tenth of the history, limit 1000`, 'read_category_late', READ_CATEGORY, ['subscription', 0, 0, 1000]);
      await explain(c, 'heldBack() — the lag metric', 'held_back', HELD_BACK, []);

      // Not what the store runs: how the misplan of the late category goes away.
      out('## Remedies for the skewed category (not what the store runs today)');
      out();
      await c.query('SET random_page_cost = 1.1');
      out('With `random_page_cost = 1.1` (the usual setting for SSD storage; the default 4 models spinning disks):');
      out();
      await explain(c, `readCategory('subscription', START), random_page_cost = 1.1`, 'read_category_late_rpc', READ_CATEGORY, ['subscription', 0, 0, 1000]);
      await explain(c, `readCategory('order', START), random_page_cost = 1.1`, 'read_category_start_rpc', READ_CATEGORY, ['order', 0, 0, 1000]);
      await c.query('RESET random_page_cost');
      out("Keys first: the batch's commits from an index-only scan of commits_category_order, then each commit by primary key (default settings):");
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
