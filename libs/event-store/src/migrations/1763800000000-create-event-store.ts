import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events table and the one function that writes it.
 *
 * Ordering: every event records the id of the transaction that wrote it (`transaction_id`,
 * a 64-bit xid8) and a `position` from a sequence. Readers of the global order walk
 * (transaction_id, position) and only up to the oldest transaction still running
 * (`pg_snapshot_xmin`), so an event can never appear behind a reader's cursor after the reader
 * has passed that point, whatever order transactions commit in. A rolled-back append leaves a
 * hole in `position`, which nothing waits for.
 */
export class CreateEventStore1763800000000 implements MigrationInterface {
  readonly name = 'CreateEventStore1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS es`);
    await q.query(`CREATE SEQUENCE es.event_position AS bigint`);
    await q.query(EVENTS_TABLE);
    await q.query(EVENTS_CATEGORY_INDEX);

    // Append-only, enforced by the database itself, not by convention.
    await q.query(`
      CREATE FUNCTION es.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'es.events is append-only: % refused', TG_OP USING ERRCODE = 'ES403';
      END $$`);
    for (const trigger of EVENTS_TRIGGERS) await q.query(trigger);

    await q.query(`
      CREATE TABLE es.subscriptions (
        name           text        PRIMARY KEY,
        transaction_id xid8        NOT NULL DEFAULT '0',
        position       bigint      NOT NULL DEFAULT 0,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(APPEND_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA es CASCADE`);
  }
}

/** The table of events, a row each (until migration 1765300000000 stored them a commit a row). */
export const EVENTS_TABLE = `
      CREATE TABLE es.events (
        transaction_id xid8        NOT NULL,
        position       bigint      NOT NULL,
        event_id       uuid        NOT NULL,
        stream_id      text        NOT NULL,
        category       text        NOT NULL,
        version        bigint      NOT NULL,
        type           text        NOT NULL,
        data           jsonb       NOT NULL,
        metadata       jsonb       NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_pkey PRIMARY KEY (transaction_id, position),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
        CONSTRAINT events_version_positive CHECK (version > 0),
        CONSTRAINT events_stream_id_nonempty CHECK (stream_id <> '')
      )`;

export const EVENTS_CATEGORY_INDEX = `CREATE INDEX events_category_order ON es.events (category, transaction_id, position)`;

export const EVENTS_TRIGGERS = [
  `CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON es.events FOR EACH ROW EXECUTE FUNCTION es.refuse_change()`,
  `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON es.events FOR EACH STATEMENT EXECUTE FUNCTION es.refuse_change()`,
];

/**
 * es.append(stream, expected, events) — one round trip, one statement.
 * expected: >= 0 the exact current version (0 = empty), -1 no_stream, -2 stream_exists, -3 any.
 * events: jsonb array of {id, type, data, metadata}.
 * Errors: ES409 wrong expected version (DETAIL = actual version), ES410 or a unique violation on
 * events_event_id_key when an event id is reused, 40001 when a transaction with an older id would append behind a newer one (the caller retries).
 */
export const APPEND_FUNCTION = `
CREATE FUNCTION es.append(p_stream text, p_expected bigint, p_events jsonb)
RETURNS TABLE (event_id uuid, version bigint, event_position bigint, transaction_id xid8, already_stored boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_txid    xid8 := pg_current_xact_id();
  v_count   int  := jsonb_array_length(p_events);
  v_first   uuid := (p_events->0->>'id')::uuid;
  v_version bigint;
  v_last_tx xid8;
  v_stored  int;
BEGIN
  -- Appends to one stream queue here until the holder commits, so the version read below is the
  -- latest and two appends never collide on a version. (The two-key form keeps these locks apart
  -- from single-key advisory locks used elsewhere.)
  PERFORM pg_advisory_xact_lock(1163084609, hashtext(p_stream));

  SELECT e.version, e.transaction_id INTO v_version, v_last_tx
  FROM es.events e WHERE e.stream_id = p_stream ORDER BY e.version DESC LIMIT 1;
  v_version := coalesce(v_version, 0);

  -- A retry of an append that already landed returns what it wrote the first time. With an exact
  -- expectation (or no_stream) a landed append has moved the stream, so the look-up is needed only
  -- when the expectation fails; with any/stream_exists it must come first.
  IF p_expected IN (-3, -2)
     OR (p_expected >= 0 AND v_version <> p_expected)
     OR (p_expected = -1 AND v_version <> 0) THEN
    IF EXISTS (SELECT 1 FROM es.events e WHERE e.event_id = v_first) THEN
      RETURN QUERY
        SELECT e.event_id, e.version, e.position, e.transaction_id, true
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
        JOIN es.events e ON e.event_id = (x.ev->>'id')::uuid AND e.stream_id = p_stream
        ORDER BY x.ord;
      GET DIAGNOSTICS v_stored = ROW_COUNT;
      IF v_stored <> v_count THEN
        RAISE EXCEPTION 'event id % is stored, but not as this append', v_first USING ERRCODE = 'ES410';
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

  -- An event id stored elsewhere fails here with a unique violation on events_event_id_key.
  RETURN QUERY
    INSERT INTO es.events AS e (transaction_id, position, event_id, stream_id, category, version, type, data, metadata)
    SELECT v_txid, nextval('es.event_position'), (x.ev->>'id')::uuid, p_stream, split_part(p_stream, '-', 1),
           v_version + x.ord, x.ev->>'type', x.ev->'data', coalesce(x.ev->'metadata', '{}'::jsonb)
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(ev, ord)
    ORDER BY x.ord
    RETURNING e.event_id, e.version, e.position, e.transaction_id, false;
END $$`;
