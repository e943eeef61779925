import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * es.append_many(appends): several appends, each to its own stream, in one statement and one
 * transaction (group commit). Each append is decided as `es.append` decides it, and one append's
 * refusal does not stop the others: it comes back as a row with an error code instead of events.
 */
export class AppendMany1764900000000 implements MigrationInterface {
  readonly name = 'AppendMany1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_MANY_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION es.append_many(jsonb)`);
  }
}

/**
 * appends: jsonb array of {s: stream, x: expected (as es.append's p_expected), e: events as
 * es.append's p_events}; every stream at most once (the caller's rule: a second append to a stream
 * decides on the first one's outcome, so it waits for the next statement).
 * Rows: the events written or found stored, with `slot` (1-based index into appends); a refused
 * append gives one row with `error_code` ES409 (wrong expected version, `error_detail` the actual
 * version), ES410 (an event id stored, not as this append) or 40001 (a newer transaction appended
 * to the stream first; retry it). An event id stored on another stream fails the whole statement
 * with a unique violation on events_event_id_key, as in es.append: the caller then runs the appends
 * one by one to tell which.
 */
export const APPEND_MANY_FUNCTION = `
CREATE FUNCTION es.append_many(p_appends jsonb)
RETURNS TABLE (slot int, event_id uuid, version bigint, event_position bigint, transaction_id xid8, already_stored boolean, error_code text, error_detail text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_txid     xid8 := pg_current_xact_id();
  v_streams  text[];
  v_expected bigint[];
  v_base     bigint[];
  v_key      int;
  v_events   jsonb;
  v_stored   int;
  v_x        bigint;
  r          record;
BEGIN
  SELECT array_agg(a->>'s' ORDER BY o), array_agg((a->>'x')::bigint ORDER BY o) INTO v_streams, v_expected
  FROM jsonb_array_elements(p_appends) WITH ORDINALITY AS t(a, o);
  v_base := array_fill(NULL::bigint, ARRAY[cardinality(v_streams)]);

  -- The same per-stream locks as es.append, taken in one order so two batches cannot deadlock.
  FOR v_key IN SELECT DISTINCT hashtext(s) FROM unnest(v_streams) AS u(s) ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1163084609, v_key);
  END LOOP;

  FOR r IN
    SELECT t.o::int AS o, coalesce(l.version, 0) AS version, l.transaction_id AS last_tx
    FROM unnest(v_streams) WITH ORDINALITY AS t(s, o)
    LEFT JOIN LATERAL (SELECT e.version, e.transaction_id FROM es.events e WHERE e.stream_id = t.s ORDER BY e.version DESC LIMIT 1) l ON true
  LOOP
    v_x := v_expected[r.o];
    IF v_x IN (-3, -2) OR (v_x >= 0 AND r.version <> v_x) OR (v_x = -1 AND r.version <> 0) THEN
      -- A retry of an append that already landed answers what it wrote the first time.
      v_events := p_appends->(r.o - 1)->'e';
      IF EXISTS (SELECT 1 FROM es.events e WHERE e.event_id = (v_events->0->>'id')::uuid) THEN
        SELECT count(*) INTO v_stored
        FROM jsonb_array_elements(v_events) AS x(ev)
        JOIN es.events e ON e.event_id = (x.ev->>'id')::uuid AND e.stream_id = v_streams[r.o];
        IF v_stored = jsonb_array_length(v_events) THEN
          RETURN QUERY
            SELECT r.o, e.event_id, e.version, e.position, e.transaction_id, true, NULL::text, NULL::text
            FROM jsonb_array_elements(v_events) WITH ORDINALITY AS x(ev, ord)
            JOIN es.events e ON e.event_id = (x.ev->>'id')::uuid AND e.stream_id = v_streams[r.o]
            ORDER BY x.ord;
        ELSE
          RETURN QUERY SELECT r.o, NULL::uuid, NULL::bigint, NULL::bigint, NULL::xid8, false, 'ES410'::text, (v_events->0->>'id')::text;
        END IF;
        CONTINUE;
      END IF;
    END IF;
    IF (v_x >= 0 AND r.version <> v_x) OR (v_x = -1 AND r.version <> 0) OR (v_x = -2 AND r.version = 0) THEN
      RETURN QUERY SELECT r.o, NULL::uuid, NULL::bigint, NULL::bigint, NULL::xid8, false, 'ES409'::text, r.version::text;
    ELSIF r.last_tx > v_txid THEN
      RETURN QUERY SELECT r.o, NULL::uuid, NULL::bigint, NULL::bigint, NULL::xid8, false, '40001'::text, NULL::text;
    ELSE
      v_base[r.o] := r.version;
    END IF;
  END LOOP;

  RETURN QUERY
    INSERT INTO es.events AS e (transaction_id, position, event_id, stream_id, category, version, type, data, metadata)
    SELECT v_txid, nextval('es.event_position'), (x.ev->>'id')::uuid, v_streams[a.o], split_part(v_streams[a.o], '-', 1),
           v_base[a.o] + x.ord, x.ev->>'type', x.ev->'data', coalesce(x.ev->'metadata', '{}'::jsonb)
    FROM jsonb_array_elements(p_appends) WITH ORDINALITY AS a(ap, o)
    CROSS JOIN LATERAL jsonb_array_elements(a.ap->'e') WITH ORDINALITY AS x(ev, ord)
    WHERE v_base[a.o] IS NOT NULL
    ORDER BY a.o, x.ord
    RETURNING array_position(v_streams, e.stream_id), e.event_id, e.version, e.position, e.transaction_id, false, NULL::text, NULL::text;
END $$`;
