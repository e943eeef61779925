import { createTestEventStore, eventually, type TestEventStore } from '@outcomes/testing';
import { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors';
import { Pool } from 'pg';
import { EventStore } from './event-store';
import { START } from './types';
import { uuidv7 } from './uuid';

let t: TestEventStore;
let store: EventStore;
beforeAll(async () => {
  t = await createTestEventStore(40);
  store = t.store;
});
afterAll(() => t.close());

const ev = (type: string, data: unknown = {}) => ({ type, data });

describe('append', () => {
  it('writes gap-free versions from 1, increasing positions, uuid v7 ids and the metadata given', async () => {
    const r = await store.append('order-1', [ev('Placed', { n: 1 }), ev('Paid', { n: 2 })], 'no_stream', {
      metadata: { correlationId: 'c-1', actor: 'buy_1' },
    });
    expect(r.events.map((e) => e.version)).toEqual([1n, 2n]);
    expect(r.nextExpectedVersion).toBe(2n);
    expect(r.events[1]!.position).toBeGreaterThan(r.events[0]!.position);
    expect(r.alreadyStored).toBe(false);
    const read = await store.readStream('order-1');
    expect(read.map((e) => [e.type, e.data, e.version, e.category])).toEqual([
      ['Placed', { n: 1 }, 1n, 'order'],
      ['Paid', { n: 2 }, 2n, 'order'],
    ]);
    expect(read[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
    expect(read[0]!.metadata).toEqual({ correlationId: 'c-1', actor: 'buy_1' });
    expect(read[0]!.recordedAt).toBeInstanceOf(Date);
    expect({ transactionId: read[1]!.transactionId, position: read[1]!.position }).toEqual(r.checkpoint);
  });

  it('keeps its pooled connection when the database refuses an append, and gives up one that broke', async () => {
    const pool = new Pool({ connectionString: t.db.url, max: 1 });
    pool.on('error', () => undefined); // the terminated connection, below
    const one = new EventStore(pool);
    const backend = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    try {
      await one.append('kept-1', [ev('A')], 'no_stream');
      const before = await backend();
      // Refused by the database, alone and in a group-commit batch (appendWithWrites goes as a batch).
      await expect(one.append('kept-1', [ev('B')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedVersionError);
      const failing = { name: 'fails', ctes: `bad AS (INSERT INTO es.snapshots (stream_id, version, state) VALUES ('x', 0, '') RETURNING 1)`, row: {} };
      await expect(one.appendWithWrites('kept-2', [ev('B')], 'no_stream', failing)).rejects.toThrow(/check constraint/);
      expect(await backend()).toBe(before);

      // A connection that breaks under an append is not given back: its backend is ended while the
      // append waits for the stream's lock.
      const hold = await store.pool.connect();
      await hold.query('BEGIN');
      await hold.query('SELECT pg_advisory_xact_lock(1163084609, hashtext($1))', ['kept-1']);
      const pending = one.append('kept-1', [ev('C')], 1n);
      const waiting = await eventually(async () => {
        const { rows } = await store.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE wait_event = 'advisory' AND datname = current_database()`);
        return rows[0]?.pid;
      });
      expect(waiting).toBe(before);
      await store.pool.query('SELECT pg_terminate_backend($1)', [waiting]);
      await expect(pending).rejects.toThrow(/terminating connection/);
      await hold.query('COMMIT');
      hold.release();
      expect(await backend()).not.toBe(before);
      expect((await one.append('kept-1', [ev('C')], 1n)).nextExpectedVersion).toBe(2n);
    } finally {
      one.close();
      await pool.end();
    }
  });

  it('checks each kind of expected version', async () => {
    await store.append('ev-1', [ev('A')], 'no_stream');
    await expect(store.append('ev-1', [ev('B')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(store.append('ev-2', [ev('B')], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(store.append('ev-1', [ev('B')], 5)).rejects.toMatchObject({ actual: 1n, expected: 5 });
    expect((await store.append('ev-1', [ev('B')], 1)).nextExpectedVersion).toBe(2n);
    expect((await store.append('ev-1', [ev('C')], 'stream_exists')).nextExpectedVersion).toBe(3n);
    expect((await store.append('ev-1', [ev('D')], 'any')).nextExpectedVersion).toBe(4n);
    expect((await store.readStream('ev-1')).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('lets exactly one of many concurrent appends with the same expected version win', async () => {
    await store.append('race-1', [ev('Opened')], 'no_stream');
    const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => store.append('race-1', [ev('Bid', { i })], 1)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.every((r) => (r as PromiseRejectedResult).reason instanceof WrongExpectedVersionError)).toBe(true);
    expect((await store.readStream('race-1')).map((e) => e.version)).toEqual([1n, 2n]);
  });

  it('serializes concurrent appends with "any" into one gap-free stream', async () => {
    await Promise.all(Array.from({ length: 24 }, (_, i) => store.append('any-1', [ev('X', { i }), ev('Y', { i })], 'any')));
    const events = await store.readStream('any-1');
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 48 }, (_, i) => BigInt(i + 1)));
    // the two events of each append stay together
    for (let i = 0; i < 48; i += 2) expect(events[i]!.data).toEqual(events[i + 1]!.data);
  });

  it('never half-writes when concurrent "any" appends of different sizes race on one stream', async () => {
    await store.append('mixed-1', [ev('Start')]);
    const sizes = Array.from({ length: 30 }, (_, i) => 1 + (i % 4));
    await Promise.all(sizes.map((n, i) => store.append('mixed-1', Array.from({ length: n }, (_, k) => ev('M', { i, k })), 'any')));
    const events = await store.readStream('mixed-1');
    expect(events).toHaveLength(1 + sizes.reduce((a, b) => a + b, 0));
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => BigInt(i + 1)));
    // each append's events are contiguous and in order
    for (let j = 1; j < events.length; ) {
      const { i } = events[j]!.data as { i: number };
      for (let k = 0; k < sizes[i]!; k++) expect(events[j + k]!.data).toEqual({ i, k });
      j += sizes[i]!;
    }
  });

  it('treats a retry with the same event ids as a no-op returning the original positions', async () => {
    const ids = [uuidv7(), uuidv7()];
    const batch = ids.map((id, i) => ({ id, type: 'T', data: { i } }));
    const first = await store.append('retry-1', batch, 'no_stream');
    const again = await store.append('retry-1', batch, 'no_stream');
    expect(again.alreadyStored).toBe(true);
    expect(again.events).toEqual(first.events);
    expect(await store.readStream('retry-1')).toHaveLength(2);
  });

  it('returns the same positions to concurrent retries of one append', async () => {
    const batch = [{ id: uuidv7(), type: 'T', data: {} }];
    const results = await Promise.all(Array.from({ length: 8 }, () => store.append('retry-2', batch, 'any')));
    expect(new Set(results.map((r) => r.events[0]!.position)).size).toBe(1);
    expect(results.filter((r) => !r.alreadyStored)).toHaveLength(1);
    expect(await store.readStream('retry-2')).toHaveLength(1);
  });

  it('refuses an event id already stored in another stream or another batch', async () => {
    const id = uuidv7();
    await store.append('dup-1', [{ id, type: 'T', data: {} }]);
    await expect(store.append('dup-2', [{ id, type: 'T', data: {} }])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(store.append('dup-1', [{ id, type: 'T', data: {} }, { id: uuidv7(), type: 'U', data: {} }])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(store.append('dup-3', [{ id: uuidv7(), type: 'T', data: {} }, { id, type: 'U', data: {} }])).rejects.toBeInstanceOf(EventIdConflictError);
    expect(await store.readStream('dup-3')).toHaveLength(0);
  });

  it('rejects malformed appends before touching the database', async () => {
    await expect(store.append('', [ev('A')])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.append('s-1', [])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.append('s-1', [{ type: 'A', data: {}, id: 'nope' }])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.append('s-1', [ev('A')], -4)).rejects.toBeInstanceOf(InvalidAppendError);
    expect(await store.readStream('s-1')).toHaveLength(0);
  });
});

describe('appendWithWrites', () => {
  it('appends and writes the read model in one statement: both or neither', async () => {
    await store.pool.query('CREATE TABLE IF NOT EXISTS with_writes (id text PRIMARY KEY, total int NOT NULL CHECK (total >= 0))');
    const also = (id: string, total: number) => ({
      name: 'spec_totals',
      ctes: `upserted AS (INSERT INTO with_writes (id, total) SELECT w->>'id', (w->>'total')::int FROM writes ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total)`,
      row: { id, total },
    });
    const r = await store.appendWithWrites('tally-1', [ev('Added', { by: 2 })], 'no_stream', also('tally-1', 2), { metadata: { actor: 'spec' } });
    expect(r.nextExpectedVersion).toBe(1n);
    expect((await store.pool.query('SELECT total FROM with_writes WHERE id = $1', ['tally-1'])).rows).toEqual([{ total: 2 }]);
    expect((await store.readStream('tally-1'))[0]!.metadata.actor).toBe('spec');
    // A refused append writes no read model...
    await expect(store.appendWithWrites('tally-1', [ev('Added', { by: 5 })], 'no_stream', also('tally-1', 7))).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect((await store.pool.query('SELECT total FROM with_writes WHERE id = $1', ['tally-1'])).rows).toEqual([{ total: 2 }]);
    // ...and a refused write stores no event.
    await expect(store.appendWithWrites('tally-1', [ev('Removed', { by: 3 })], 1n, also('tally-1', -1))).rejects.toThrow(/check constraint/);
    expect((await store.readStream('tally-1')).map((e) => e.type)).toEqual(['Added']);
    const next = await store.appendWithWrites('tally-1', [ev('Added', { by: 1 })], 1n, also('tally-1', 3));
    expect(next.nextExpectedVersion).toBe(2n);
    expect((await store.pool.query('SELECT total FROM with_writes WHERE id = $1', ['tally-1'])).rows).toEqual([{ total: 3 }]);
  });
});

describe('storage', () => {
  it('compresses a large event with lz4 and reads it back whole', async () => {
    // Random hex in every entry, so the value stays over PostgreSQL's 2 kB threshold once compressed.
    const bids = Array.from({ length: 200 }, (_, i) => ({ engine: `eng_${i}`, note: uuidv7() + uuidv7() }));
    const r = await store.append('big-1', [ev('Closed', { bids })], 'no_stream');
    const { rows } = await store.pool.query<{ method: string | null }>(`SELECT pg_column_compression(events) AS method FROM es.commits WHERE $1 = ANY (event_ids)`, [r.events[0]!.id]);
    expect(rows[0]!.method).toBe('lz4');
    expect((await store.readStream('big-1'))[0]!.data).toEqual({ bids });
  });
});

describe('immutability', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of events, their commits and their ids', async () => {
    await store.append('immutable-1', [ev('A', { v: 1 })]);
    const refused: Array<[table: string, sql: string]> = [
      ['events', `UPDATE es.events SET data = '{"v":2}' WHERE stream_id = 'immutable-1'`],
      ['events', `DELETE FROM es.events WHERE stream_id = 'immutable-1'`],
      ['commits', `UPDATE es.commits SET events = '[{"type":"A","data":{"v":2},"metadata":{}}]' WHERE stream_id = 'immutable-1'`],
      ['commits', `DELETE FROM es.commits WHERE stream_id = 'immutable-1'`],
      ['commits', `TRUNCATE es.commits`],
      ['event_ids', `UPDATE es.event_ids SET position = 0 WHERE event_id IN (SELECT event_id FROM es.events WHERE stream_id = 'immutable-1')`],
      ['event_ids', `DELETE FROM es.event_ids`],
      ['event_ids', `TRUNCATE es.event_ids`],
    ];
    for (const [table, sql] of refused) await expect(store.pool.query(sql)).rejects.toThrow(`es.${table} is append-only`);
    expect((await store.readStream('immutable-1'))[0]!.data).toEqual({ v: 1 });
  });
});

describe('reads', () => {
  it('reads a stream from a version, and pages the global order and a category', async () => {
    for (let i = 0; i < 5; i++) await store.append(`paged-${i % 2}`, [ev('P', { i })]);
    expect((await store.readStream('paged-0', { fromVersion: 2 })).map((e) => e.data)).toEqual([{ i: 2 }, { i: 4 }]);
    // Readers stop at the oldest writing transaction in the cluster (another test file's, say): wait for it.
    const all = await eventually(async () => {
      const got = [];
      let after = START;
      for (;;) {
        const page = await store.readCategory('paged', after, 2);
        if (page.length === 0) break;
        got.push(...page);
        after = { transactionId: page[page.length - 1]!.transactionId, position: page[page.length - 1]!.position };
      }
      return got.length === 5 ? got : undefined;
    });
    expect(all.map((e) => e.data)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    const everything = await store.readAll(START, 100_000);
    expect(everything.filter((e) => e.category === 'paged')).toHaveLength(5);
  });

  it('reads several categories in the one global order, passing over the others', async () => {
    for (let i = 0; i < 6; i++) await store.append(`${['mixa', 'mixb', 'mixc'][i % 3]}-${i}`, [ev('M', { i })]);
    const both = await eventually(async () => {
      const got = await store.readCategory(['mixa', 'mixc'], START, 100);
      return got.length === 4 ? got : undefined;
    });
    expect(both.map((e) => [e.category, e.data])).toEqual([
      ['mixa', { i: 0 }],
      ['mixc', { i: 2 }],
      ['mixa', { i: 3 }],
      ['mixc', { i: 5 }],
    ]);
    const first = both[0]!;
    expect((await store.readCategory(['mixa', 'mixc'], { transactionId: first.transactionId, position: first.position }, 2)).map((e) => e.data)).toEqual([{ i: 2 }, { i: 3 }]);
  });
});

describe('commits', () => {
  const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ev('N', { i: from + i }));

  it('stores an append as one commit, and one of more than 1,000 events as several, read back as events in order', async () => {
    const short = await store.append('commit-1', many(3), 'no_stream');
    const long = await store.append('commit-1', many(2_500, 3), 3n);
    expect(long.events.map((e) => e.version)).toEqual(Array.from({ length: 2_500 }, (_, i) => BigInt(i + 4)));
    const positions = [...short.events, ...long.events].map((e) => e.position);
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    const { rows } = await store.pool.query<{ count: number }>(`SELECT count FROM es.commits WHERE stream_id = 'commit-1' ORDER BY version`);
    expect(rows.map((r) => r.count)).toEqual([3, 1_000, 1_000, 500]);

    const read = await store.readStream('commit-1');
    expect(read.map((e) => e.data)).toEqual(many(2_503).map((e) => e.data));
    expect(read.map((e) => [e.id, e.version, e.position])).toEqual([...short.events, ...long.events].map((e) => [e.id, e.version, e.position]));
    // From inside a commit, a few.
    expect((await store.readStream('commit-1', { fromVersion: 1_500, limit: 3 })).map((e) => e.version)).toEqual([1_500n, 1_501n, 1_502n]);
    expect((await store.readStream('commit-1', { fromVersion: 2_503 })).map((e) => e.data)).toEqual([{ i: 2_502 }]);
  });

  it('pages the global order and a category through the middle of commits, each event once', async () => {
    await store.append('paging-1', many(7), 'no_stream');
    await store.append('paging-2', many(5, 7), 'no_stream');
    await store.append('paging-1', many(4, 12), 7n);
    const got = await eventually(async () => {
      const seen = [];
      let after = START;
      for (;;) {
        const page = await store.readCategory('paging', after, 3);
        if (page.length === 0) break;
        seen.push(...page);
        after = { transactionId: page[page.length - 1]!.transactionId, position: page[page.length - 1]!.position };
      }
      return seen.length === 16 ? seen : undefined;
    });
    expect(got.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const fromFourth = got[3]!;
    const all = await store.readAll({ transactionId: fromFourth.transactionId, position: fromFourth.position }, 100_000);
    expect(all.filter((e) => e.category === 'paging').map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 12 }, (_, i) => i + 4));
  });

  it('answers a retry of a long append with what it stored, and refuses a retry sent to another stream', async () => {
    const events = many(1_200).map((e) => ({ ...e, id: uuidv7() }));
    const first = await store.append('retry-long-1', events, 'no_stream');
    const again = await store.append('retry-long-1', events, 'no_stream');
    expect(again.alreadyStored).toBe(true);
    expect(again.events).toEqual(first.events);
    expect(again.checkpoint).toEqual(first.checkpoint);
    await expect(store.append('retry-long-2', events, 'any')).rejects.toBeInstanceOf(EventIdConflictError);
  });

  it('fails a read of a commit whose ids and events differ in number, rather than make an event up', async () => {
    // Only a writer bypassing EventStore can store such a commit; in a database of its own, so the other reads here never meet it.
    const own = await createTestEventStore(2);
    try {
      await own.store.pool.query(
        `SELECT * FROM es.append('uneven-1', -1, ARRAY[$1::uuid, $2::uuid], '[{"type":"A","data":{},"metadata":{}}]'::json)`,
        [uuidv7(), uuidv7()],
      );
      await expect(own.store.readStream('uneven-1')).rejects.toThrow('stream uneven-1, version 2: its commit holds a different number of ids and events');
    } finally {
      await own.close();
    }
  });

  it('refuses an event id twice in one append, and writes nothing of it', async () => {
    const id = uuidv7();
    await expect(store.append('twice-1', [{ ...ev('A'), id }, { ...ev('B'), id }], 'no_stream')).rejects.toBeInstanceOf(EventIdConflictError);
    expect(await store.readStream('twice-1')).toEqual([]);
  });
});
