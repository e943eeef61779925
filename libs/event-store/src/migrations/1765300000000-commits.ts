import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_FUNCTION, EVENTS_CATEGORY_INDEX, EVENTS_TABLE, EVENTS_TRIGGERS } from './1763800000000-create-event-store';
import { APPEND_MANY_FUNCTION } from './1764900000000-append-many';

/**
 * Events are stored a commit at a time: one row in `es.commits` holds the events one append wrote
 * to one stream (up to 1,000), as one JSON array, and `es.event_ids` holds one narrow row per event
 * id, which keeps ids unique and finds a retried append. `es.events` becomes a view with a row per
 * event, as before, for SQL readers; the store's own reads expand commits the same way.
 *
 * Why: a row per event paid a heap tuple and four index entries per event, and parsed each event's
 * JSON into jsonb. A 100-event append cost PostgreSQL about 33 µs of CPU per event; stored as one
 * commit it costs 10-14 µs (docs/benchmarks.md, "Event store: commits").
 *
 * Positions: each commit takes one value of `es.event_position`, which now steps by 1,000, and its
 * events have that value and the ones after it, so a commit's events sit next to each other in the
 * global order and a commit holds at most 1,000 events (a longer append writes several commits in
 * its one transaction). Positions were never gap-free; they still only order events within a
 * transaction. Existing events become commits of one event each, with their positions.
 */
export class Commits1765300000000 implements MigrationInterface {
  readonly name = 'Commits1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es.commits (
        transaction_id xid8        NOT NULL,
        position       bigint      NOT NULL,
        stream_id      text        NOT NULL,
        category       text        NOT NULL,
        version        bigint      NOT NULL,
        count          int         NOT NULL,
        event_ids      uuid[]      NOT NULL,
        events         json        NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT commits_pkey PRIMARY KEY (transaction_id, position),
        CONSTRAINT commits_stream_version_key UNIQUE (stream_id, version),
        CONSTRAINT commits_version_positive CHECK (version > 0),
        CONSTRAINT commits_stream_id_nonempty CHECK (stream_id <> ''),
        CONSTRAINT commits_count_range CHECK (count BETWEEN 1 AND 1000),
        CONSTRAINT commits_ids_count CHECK (cardinality(event_ids) = count)
      )`);
    await q.query(`CREATE INDEX commits_category_order ON es.commits (category, transaction_id, position)`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE es.commits ALTER COLUMN events SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this server has no lz4: commits are compressed with pglz';
      END $$`);
    await q.query(`
      CREATE TABLE es.event_ids (
        event_id       uuid   NOT NULL,
        transaction_id xid8   NOT NULL,
        position       bigint NOT NULL,
        CONSTRAINT event_ids_pkey PRIMARY KEY (event_id)
      )`);
    await q.query(refuseChange('es.% is append-only: % refused', 'TG_TABLE_NAME, TG_OP'));
    for (const table of ['commits', 'event_ids']) {
      await q.query(`CREATE TRIGGER ${table}_no_update BEFORE UPDATE OR DELETE ON es.${table} FOR EACH ROW EXECUTE FUNCTION es.refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON es.${table} FOR EACH STATEMENT EXECUTE FUNCTION es.refuse_change()`);
    }

    // What was stored moves over, an event to a commit, with its position.
    await q.query(`
      INSERT INTO es.commits (transaction_id, position, stream_id, category, version, count, event_ids, events, recorded_at)
      SELECT transaction_id, position, stream_id, category, version, 1, ARRAY[event_id],
             json_build_array(json_build_object('type', type, 'data', data, 'metadata', metadata)), recorded_at
      FROM es.events`);
    await q.query(`INSERT INTO es.event_ids (event_id, transaction_id, position) SELECT event_id, transaction_id, position FROM es.events`);
    await q.query(`DROP FUNCTION es.append(text, bigint, jsonb)`);
    await q.query(`DROP FUNCTION es.append_many(jsonb)`);
    await q.query(`DROP TABLE es.events`);

    // Each commit takes a block of 1,000 positions; the first block starts past everything taken.
    await q.query(`ALTER SEQUENCE es.event_position INCREMENT BY 1000`);
    await q.query(`
      SELECT setval('es.event_position', (greatest(s.taken, coalesce(m.max, 0)) + 999) / 1000 * 1000 + 1, false)
      FROM (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS taken FROM es.event_position) s,
           (SELECT max(position) AS max FROM es.commits) m`);

    await q.query(EVENTS_VIEW);
    await q.query(`CREATE TRIGGER events_no_change INSTEAD OF UPDATE OR DELETE ON es.events FOR EACH ROW EXECUTE FUNCTION es.refuse_change()`);
    await q.query(STORED_RUNS_FUNCTION);
    await q.query(WRITE_LONG_FUNCTION);
    await q.query(APPEND_COMMIT_FUNCTION);
    await q.query(APPEND_MANY_COMMITS_FUNCTION);
    // As for the one it replaces (migration 1765000000000): its statements are planned once per session.
    await q.query(`ALTER FUNCTION es.append_many(text[], bigint[], int[], uuid[], json) SET plan_cache_mode = force_generic_plan`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION es.append_many(text[], bigint[], int[], uuid[], json)`);
    await q.query(`DROP FUNCTION es.append(text, bigint, uuid[], json)`);
    await q.query(`DROP FUNCTION es.write_long(xid8, text, bigint, uuid[], json)`);
    await q.query(`DROP FUNCTION es.stored_runs(text, uuid[])`);
    await q.query(`ALTER VIEW es.events RENAME TO events_by_commit`);
    await q.query(EVENTS_TABLE);
    await q.query(EVENTS_CATEGORY_INDEX);
    await q.query(`INSERT INTO es.events SELECT * FROM es.events_by_commit`);
    for (const trigger of EVENTS_TRIGGERS) await q.query(trigger);
    await q.query(`DROP VIEW es.events_by_commit`);
    await q.query(`DROP TABLE es.event_ids`);
    await q.query(`DROP TABLE es.commits`);
    await q.query(`ALTER SEQUENCE es.event_position INCREMENT BY 1`);
    await q.query(refuseChange('es.events is append-only: % refused', 'TG_OP'));
    await q.query(APPEND_FUNCTION);
    await q.query(APPEND_MANY_FUNCTION);
    await q.query(`ALTER FUNCTION es.append_many(jsonb) SET plan_cache_mode = force_generic_plan`);
  }
}

/** The trigger function that refuses changes, with its message. */
const refuseChange = (message: string, args: string): string => `
CREATE OR REPLACE FUNCTION es.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '${message}', ${args} USING ERRCODE = 'ES403';
END $$`;

/**
 * A row per event, for SQL readers (the store's own reads expand commits the same way, see
 * libs/event-store/src/rows.ts, but hand each event over whole). Each commit's JSON is parsed once.
 */
const EVENTS_VIEW = `
CREATE VIEW es.events AS
  SELECT c.transaction_id, c.position + e.ord - 1 AS position, e.event_id, c.stream_id, c.category,
         c.version + e.ord - 1 AS version, e.type, e.data, e.metadata, c.recorded_at
  FROM es.commits c
  CROSS JOIN LATERAL ROWS FROM (json_to_recordset(c.events) AS (type text, data jsonb, metadata jsonb), unnest(c.event_ids))
    WITH ORDINALITY AS e(type, data, metadata, event_id, ord)`;

/**
 * The stored events of `p_ids` that belong to `p_stream`, in the order of `p_ids`, a row each: what
 * a retried append answers. An id stored on another stream, or not stored, has no row.
 */
const STORED_RUNS_FUNCTION = `
CREATE FUNCTION es.stored_runs(p_stream text, p_ids uuid[])
RETURNS TABLE (version bigint, event_position bigint, event_count int, transaction_id xid8, already_stored boolean)
LANGUAGE sql STABLE AS $$
  SELECT c.version + (i.position - c.position), i.position, 1, i.transaction_id, true
  FROM unnest(p_ids) WITH ORDINALITY AS x(id, ord)
  JOIN es.event_ids i ON i.event_id = x.id
  CROSS JOIN LATERAL (
    SELECT c.version, c.position, c.stream_id FROM es.commits c
    WHERE c.transaction_id = i.transaction_id AND c.position <= i.position
    ORDER BY c.position DESC LIMIT 1) c
  WHERE c.stream_id = p_stream
  ORDER BY x.ord
$$`;

/** An append of more than 1,000 events, after its checks: several commits, 1,000 events each at most. */
const WRITE_LONG_FUNCTION = `
CREATE FUNCTION es.write_long(p_txid xid8, p_stream text, p_version bigint, p_ids uuid[], p_events json)
RETURNS TABLE (version bigint, event_position bigint, event_count int, transaction_id xid8, already_stored boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_n    int := cardinality(p_ids);
  v_from int := 1;
  v_k    int;
  v_pos  bigint;
  v_part json;
BEGIN
  WHILE v_from <= v_n LOOP
    v_k := least(1000, v_n - v_from + 1);
    SELECT json_agg(x.ev ORDER BY x.ord) INTO v_part
    FROM json_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
    WHERE x.ord BETWEEN v_from AND v_from + v_k - 1;
    v_pos := nextval('es.event_position');
    INSERT INTO es.commits (transaction_id, position, stream_id, category, version, count, event_ids, events)
    VALUES (p_txid, v_pos, p_stream, split_part(p_stream, '-', 1), p_version + v_from, v_k, p_ids[v_from : v_from + v_k - 1], v_part);
    INSERT INTO es.event_ids (event_id, transaction_id, position)
    SELECT u, p_txid, v_pos + o - 1 FROM unnest(p_ids[v_from : v_from + v_k - 1]) WITH ORDINALITY AS t(u, o);
    RETURN QUERY SELECT p_version + v_from, v_pos, v_k, p_txid, false;
    v_from := v_from + v_k;
  END LOOP;
END $$`;

/**
 * es.append(stream, expected, ids, events): one append, one round trip, one statement.
 * expected: >= 0 the exact current version (0 = empty), -1 no_stream, -2 stream_exists, -3 any.
 * ids: the events' ids, in order; events: a JSON array of {type, data, metadata}, as many as ids.
 * Rows: runs of events written or found stored, in order; a run of `event_count` events starts at
 * `version` and `event_position`, each next event one further in both.
 * Errors: ES409 wrong expected version (DETAIL = actual version), ES410 or a unique violation on
 * event_ids_pkey when an event id is reused, 40001 when a transaction with an older id would append
 * behind a newer one (the caller retries).
 */
const APPEND_COMMIT_FUNCTION = `
CREATE FUNCTION es.append(p_stream text, p_expected bigint, p_ids uuid[], p_events json)
RETURNS TABLE (version bigint, event_position bigint, event_count int, transaction_id xid8, already_stored boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_txid    xid8 := pg_current_xact_id();
  v_version bigint;
  v_last_tx xid8;
  v_stored  int;
BEGIN
  -- Appends to one stream queue here until the holder commits, so the version read below is the
  -- latest and two appends never collide on a version. (The two-key form keeps these locks apart
  -- from single-key advisory locks used elsewhere.)
  PERFORM pg_advisory_xact_lock(1163084609, hashtext(p_stream));

  SELECT c.version + c.count - 1, c.transaction_id INTO v_version, v_last_tx
  FROM es.commits c WHERE c.stream_id = p_stream ORDER BY c.version DESC LIMIT 1;
  v_version := coalesce(v_version, 0);

  -- A retry of an append that already landed returns what it wrote the first time. With an exact
  -- expectation (or no_stream) a landed append has moved the stream, so the look-up is needed only
  -- when the expectation fails; with any/stream_exists it must come first.
  IF p_expected IN (-3, -2)
     OR (p_expected >= 0 AND v_version <> p_expected)
     OR (p_expected = -1 AND v_version <> 0) THEN
    IF EXISTS (SELECT 1 FROM es.event_ids i WHERE i.event_id = p_ids[1]) THEN
      RETURN QUERY SELECT * FROM es.stored_runs(p_stream, p_ids);
      GET DIAGNOSTICS v_stored = ROW_COUNT;
      IF v_stored <> cardinality(p_ids) THEN
        RAISE EXCEPTION 'event id % is stored, but not as this append', p_ids[1] USING ERRCODE = 'ES410';
      END IF;
      RETURN;
    END IF;
  END IF;

  IF (p_expected >= 0 AND v_version <> p_expected)
     OR (p_expected = -1 AND v_version <> 0)
     OR (p_expected = -2 AND v_version = 0) THEN
    RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409', DETAIL = v_version::text;
  END IF;
  IF v_last_tx > v_txid THEN
    RAISE EXCEPTION 'stream % was appended by a newer transaction; retry', p_stream USING ERRCODE = '40001';
  END IF;

  IF cardinality(p_ids) > 1000 THEN
    RETURN QUERY SELECT * FROM es.write_long(v_txid, p_stream, v_version, p_ids, p_events);
    RETURN;
  END IF;
  -- An event id stored elsewhere fails here with a unique violation on event_ids_pkey.
  RETURN QUERY
    WITH c AS (
      INSERT INTO es.commits AS c (transaction_id, position, stream_id, category, version, count, event_ids, events)
      VALUES (v_txid, nextval('es.event_position'), p_stream, split_part(p_stream, '-', 1), v_version + 1, cardinality(p_ids), p_ids, p_events)
      RETURNING c.version, c.position, c.count, c.transaction_id),
    i AS (
      INSERT INTO es.event_ids (event_id, transaction_id, position)
      SELECT t.u, c.transaction_id, c.position + t.o - 1 FROM c, unnest(p_ids) WITH ORDINALITY AS t(u, o))
    SELECT c.version, c.position, c.count, c.transaction_id, false FROM c;
END $$`;

/**
 * es.append_many(streams, expected, counts, ids, events): several appends, each to its own stream,
 * in one statement and one transaction (group commit). Append k goes to streams[k] with expected[k]
 * (as es.append's p_expected); its counts[k] ids follow those of the appends before it in ids, and
 * its events are the k-th element of `events`, a JSON array of es.append's event arrays. Every
 * stream at most once (the caller's rule: a second append to a stream decides on the first one's
 * outcome, so it waits for the next statement).
 * Each append is decided as es.append decides it, and one append's refusal does not stop the
 * others. Rows: es.append's runs with `slot` (k); a refused append gives one row with `error_code`
 * ES409 (wrong expected version, `error_detail` the actual version), ES410 (an event id stored, not
 * as this append) or 40001 (a newer transaction appended to the stream first; retry it). An event id
 * stored on another stream fails the whole statement with a unique violation on event_ids_pkey, as
 * in es.append: the caller then runs the appends one by one to tell which.
 */
const APPEND_MANY_COMMITS_FUNCTION = `
CREATE FUNCTION es.append_many(p_streams text[], p_expected bigint[], p_counts int[], p_ids uuid[], p_events json)
RETURNS TABLE (slot int, version bigint, event_position bigint, event_count int, transaction_id xid8, already_stored boolean, error_code text, error_detail text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_txid   xid8 := pg_current_xact_id();
  v_n      int := cardinality(p_streams);
  v_base   bigint[] := array_fill(NULL::bigint, ARRAY[v_n]);
  v_from   int[] := array_fill(NULL::int, ARRAY[v_n]);
  v_long   boolean := false;
  v_key    int;
  v_ids    uuid[];
  v_stored int;
  v_x      bigint;
  r        record;
BEGIN
  -- The same per-stream locks as es.append, taken in one order so two batches cannot deadlock.
  FOR v_key IN SELECT DISTINCT hashtext(s) FROM unnest(p_streams) AS u(s) ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1163084609, v_key);
  END LOOP;

  FOR r IN
    SELECT t.o::int AS o, (sum(t.k) OVER (ORDER BY t.o) - t.k + 1)::int AS first_id, coalesce(l.version, 0) AS version, l.transaction_id AS last_tx
    FROM ROWS FROM (unnest(p_streams), unnest(p_counts)) WITH ORDINALITY AS t(s, k, o)
    LEFT JOIN LATERAL (SELECT c.version + c.count - 1 AS version, c.transaction_id FROM es.commits c WHERE c.stream_id = t.s ORDER BY c.version DESC LIMIT 1) l ON true
  LOOP
    v_from[r.o] := r.first_id;  -- where its ids start in p_ids
    v_x := p_expected[r.o];
    IF v_x IN (-3, -2) OR (v_x >= 0 AND r.version <> v_x) OR (v_x = -1 AND r.version <> 0) THEN
      -- A retry of an append that already landed answers what it wrote the first time.
      IF EXISTS (SELECT 1 FROM es.event_ids i WHERE i.event_id = p_ids[v_from[r.o]]) THEN
        v_ids := p_ids[v_from[r.o] : v_from[r.o] + p_counts[r.o] - 1];
        SELECT count(*) INTO v_stored FROM es.stored_runs(p_streams[r.o], v_ids);
        IF v_stored = p_counts[r.o] THEN
          RETURN QUERY SELECT r.o, s.version, s.event_position, s.event_count, s.transaction_id, true, NULL::text, NULL::text
            FROM es.stored_runs(p_streams[r.o], v_ids) s;
        ELSE
          RETURN QUERY SELECT r.o, NULL::bigint, NULL::bigint, NULL::int, NULL::xid8, false, 'ES410'::text, v_ids[1]::text;
        END IF;
        CONTINUE;
      END IF;
    END IF;
    IF (v_x >= 0 AND r.version <> v_x) OR (v_x = -1 AND r.version <> 0) OR (v_x = -2 AND r.version = 0) THEN
      RETURN QUERY SELECT r.o, NULL::bigint, NULL::bigint, NULL::int, NULL::xid8, false, 'ES409'::text, r.version::text;
    ELSIF r.last_tx > v_txid THEN
      RETURN QUERY SELECT r.o, NULL::bigint, NULL::bigint, NULL::int, NULL::xid8, false, '40001'::text, NULL::text;
    ELSE
      v_base[r.o] := r.version;
      v_long := v_long OR p_counts[r.o] > 1000;
    END IF;
  END LOOP;

  -- An event id stored elsewhere fails here with a unique violation on event_ids_pkey.
  RETURN QUERY
    WITH c AS (
      INSERT INTO es.commits AS c (transaction_id, position, stream_id, category, version, count, event_ids, events)
      SELECT v_txid, nextval('es.event_position'), p_streams[t.o], split_part(p_streams[t.o], '-', 1), v_base[t.o] + 1, p_counts[t.o],
             p_ids[v_from[t.o] : v_from[t.o] + p_counts[t.o] - 1], t.ev
      FROM json_array_elements(p_events) WITH ORDINALITY AS t(ev, o)
      WHERE v_base[t.o] IS NOT NULL AND p_counts[t.o] <= 1000
      ORDER BY t.o
      RETURNING c.stream_id, c.version, c.position, c.count, c.transaction_id, c.event_ids),
    i AS (
      INSERT INTO es.event_ids (event_id, transaction_id, position)
      SELECT x.u, c.transaction_id, c.position + x.k - 1 FROM c, unnest(c.event_ids) WITH ORDINALITY AS x(u, k))
    SELECT array_position(p_streams, c.stream_id), c.version, c.position, c.count, c.transaction_id, false, NULL::text, NULL::text FROM c;

  IF v_long THEN
    FOR r IN SELECT t.o::int AS o, t.ev FROM json_array_elements(p_events) WITH ORDINALITY AS t(ev, o)
              WHERE v_base[t.o] IS NOT NULL AND p_counts[t.o] > 1000 ORDER BY t.o LOOP
      RETURN QUERY SELECT r.o, w.version, w.event_position, w.event_count, w.transaction_id, false, NULL::text, NULL::text
        FROM es.write_long(v_txid, p_streams[r.o], v_base[r.o], p_ids[v_from[r.o] : v_from[r.o] + p_counts[r.o] - 1], r.ev) w;
    END LOOP;
  END IF;
END $$`;
