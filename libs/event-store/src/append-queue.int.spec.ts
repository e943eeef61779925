import type { Pool } from 'pg';
import { createTestEventStore, eventually, type TestEventStore } from '@outcomes/testing';
import { EventIdConflictError, WrongExpectedVersionError } from './errors';
import { EventStore } from './event-store';
import { uuidv7 } from './uuid';

let t: TestEventStore;
let pool: Pool;
beforeAll(async () => {
  t = await createTestEventStore(20);
  pool = t.store.pool;
});
afterAll(() => t.close());

const ev = (type: string, data: unknown = {}) => ({ type, data });
/** One statement at a time: whatever arrives while it runs goes together in the next. */
const oneAtATime = () => new EventStore(pool, { groupCommit: { maxStatements: 1 } });

/** Holds a stream's append lock from another session (as an append in flight would) until released. */
async function holdStream(streamId: string) {
  const c = await pool.connect();
  await c.query('BEGIN');
  await c.query('SELECT pg_advisory_xact_lock(1163084609, hashtext($1))', [streamId]);
  return {
    client: c,
    async release() {
      await c.query('COMMIT');
      c.release();
    },
  };
}

/** Waits until `n` sessions wait for an advisory lock. */
const lockWaiters = (n: number) =>
  eventually(async () => {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`);
    return rows[0]!.n >= n ? true : undefined;
  }, 10_000, `${n} append(s) waiting for a stream lock`);

describe('group commit', () => {
  it('sends the appends that waited as one statement, each decided and answered on its own', async () => {
    const store = oneAtATime();
    await store.append('gc1taken-1', [ev('A')], 'no_stream');
    const retried = [{ id: uuidv7(), type: 'R', data: { n: 1 } }];
    const first = await store.append('gc1retry-1', retried, 'no_stream');

    // The one statement slot is held by an append waiting for a stream lock; the rest queue behind it.
    const hold = await holdStream('gc1busy-1');
    const busy = store.append('gc1busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const before = store.groupCommitStats;
    const fresh = Array.from({ length: 6 }, (_, i) => store.append(`gc1new-${i}`, [ev('N', { i }), ev('M', { i })], 'no_stream'));
    const wrong = store.append('gc1taken-1', [ev('X')], 'no_stream');
    const missing = store.append('gc1missing-1', [ev('X')], 'stream_exists');
    const again = store.append('gc1retry-1', retried, 'no_stream');
    const exact = store.append('gc1taken-1', [ev('Y')], 1);
    await hold.release();
    await busy;

    const landed = await Promise.all(fresh);
    expect(landed.map((r) => r.events.map((e) => e.version))).toEqual(Array.from({ length: 6 }, () => [1n, 2n]));
    await expect(wrong).rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 1n });
    await expect(missing).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(missing).rejects.toMatchObject({ actual: 0n });
    const retry = await again;
    expect(retry.alreadyStored).toBe(true);
    expect(retry.events).toEqual(first.events);
    // Two appends to one stream never share a statement: the exact one is decided after the refused one.
    expect((await exact).nextExpectedVersion).toBe(2n);

    const after = store.groupCommitStats;
    expect(after.batches - before.batches).toBeGreaterThanOrEqual(1);
    expect(after.batchedAppends - before.batchedAppends).toBeGreaterThanOrEqual(9);
    // Every fresh append is readable as written, and nothing else was written.
    for (let i = 0; i < 6; i++) expect((await store.readStream(`gc1new-${i}`)).map((e) => [e.type, e.data])).toEqual([['N', { i }], ['M', { i }]]);
    expect(await store.readStream('gc1missing-1')).toHaveLength(0);
    expect((await store.readStream('gc1taken-1')).map((e) => e.type)).toEqual(['A', 'Y']);
    expect(await store.readStream('gc1retry-1')).toHaveLength(1);
    // One transaction for the batch: its appends share a transaction id.
    expect(new Set(landed.map((r) => r.checkpoint.transactionId)).size).toBe(1);
  });

  it('keeps the order in which one stream\'s appends were submitted', async () => {
    const store = oneAtATime();
    const hold = await holdStream('gc2busy-1');
    const busy = store.append('gc2busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      appends.push(store.append('gc2one-1', [ev('S', { i })], 'any'));
      appends.push(store.append(`gc2other-${i}`, [ev('O', { i })], 'no_stream'));
    }
    await hold.release();
    await Promise.all([busy, ...appends]);
    expect((await store.readStream('gc2one-1')).map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(store.groupCommitStats.batches).toBeGreaterThanOrEqual(1);
  });

  it('refuses only the append whose event id another stream holds; the others of its statement land', async () => {
    const store = oneAtATime();
    const taken = uuidv7();
    await store.append('gc3owner-1', [{ id: taken, type: 'O', data: {} }]);
    const hold = await holdStream('gc3busy-1');
    const busy = store.append('gc3busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const before = store.groupCommitStats.batches;
    const good = Array.from({ length: 4 }, (_, i) => store.append(`gc3good-${i}`, [ev('G', { i })], 'no_stream'));
    const bad = store.append('gc3thief-1', [ev('T'), { id: taken, type: 'T', data: {} }], 'no_stream');
    await hold.release();
    await busy;
    await expect(bad).rejects.toBeInstanceOf(EventIdConflictError);
    expect((await Promise.all(good)).every((r) => r.nextExpectedVersion === 1n)).toBe(true);
    expect(await store.readStream('gc3thief-1')).toHaveLength(0);
    expect(store.groupCommitStats.batches).toBeGreaterThan(before);
  });

  it('sends again an append that a newer transaction overtook, so the global order stays the stream order', async () => {
    const store = oneAtATime();
    await store.append('gc4late-1', [ev('First')], 'no_stream');
    const hold = await holdStream('gc4busy-1');
    const busy = store.append('gc4busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const late = store.append('gc4late-1', [ev('Mine')], 'any');
    const other = store.append('gc4other-1', [ev('O')], 'no_stream');
    // Another session holds gc4late-1's lock without a transaction id yet; the batch takes its id, then waits.
    const rival = await holdStream('gc4late-1');
    await hold.release();
    await busy;
    await lockWaiters(1);
    // The rival appends now, in a transaction whose id is newer than the batch's, and commits first.
    const rivalAppend = await new EventStore(pool, { groupCommit: false }).appendInTransaction(rival.client, 'gc4late-1', [ev('Rival')], 'any');
    await rival.release();
    const mine = await late;
    await other;
    const events = await store.readStream('gc4late-1');
    expect(events.map((e) => e.type)).toEqual(['First', 'Rival', 'Mine']);
    // Sent again in a new transaction: behind the rival in the global order too.
    expect(mine.checkpoint.transactionId).toBeGreaterThan(rivalAppend.checkpoint.transactionId);
  });

  it('sends a large append at once on its own, not behind a busy statement', async () => {
    const store = new EventStore(pool, { groupCommit: { maxStatements: 1, aloneFromChars: 1_000 } });
    const hold = await holdStream('gc5busy-1');
    const busy = store.append('gc5busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const small = store.append('gc5small-1', [ev('S')], 'no_stream');
    const large = await store.append('gc5large-1', [ev('L', { text: 'x'.repeat(2_000) })], 'no_stream');
    expect(large.nextExpectedVersion).toBe(1n);
    // The small one still waits for the slot.
    expect(await Promise.race([small.then(() => 'landed'), new Promise((r) => setTimeout(() => r('waiting'), 200))])).toBe('waiting');
    await hold.release();
    await Promise.all([busy, small]);
  });
});

describe('group commit with writes (appendWithWrites)', () => {
  const TALLY = `counted AS (INSERT INTO gcw.tally (stream_id, n, note) SELECT w->>'stream', (w->>'n')::int, w->>'note' FROM writes
                   ON CONFLICT (stream_id) DO UPDATE SET n = gcw.tally.n + EXCLUDED.n, note = EXCLUDED.note)`;
  const writes = (stream: string, n: number, note = 'ok') => ({ name: 'gcw_tally', ctes: TALLY, row: { stream, n, note } });
  const tally = async () => {
    const { rows } = await pool.query<{ stream_id: string; n: number; note: string }>(`SELECT stream_id, n, note FROM gcw.tally ORDER BY stream_id`);
    return Object.fromEntries(rows.map((r) => [r.stream_id, r.n]));
  };
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA gcw`);
    // A note of 'bad' breaks the CHECK: the statement it is in fails as a whole.
    await pool.query(`CREATE TABLE gcw.tally (stream_id text PRIMARY KEY, n int NOT NULL, note text NOT NULL CHECK (note <> 'bad'))`);
  });

  it('makes the writes of the appends that wrote events, in the same statement, and none for a refused or already stored one', async () => {
    const store = oneAtATime();
    const retried = [{ id: uuidv7(), type: 'R', data: {} }];
    await store.appendWithWrites('gcw1retry-1', retried, 'no_stream', writes('gcw1retry-1', 1));
    await store.appendWithWrites('gcw1taken-1', [ev('A')], 'no_stream', writes('gcw1taken-1', 1));

    const hold = await holdStream('gcw1busy-1');
    const busy = store.appendWithWrites('gcw1busy-1', [ev('B')], 'no_stream', writes('gcw1busy-1', 1));
    await lockWaiters(1);
    const before = store.groupCommitStats;
    const fresh = Array.from({ length: 5 }, (_, i) => store.appendWithWrites(`gcw1new-${i}`, [ev('N')], 'no_stream', writes(`gcw1new-${i}`, 10 + i)));
    const wrong = store.appendWithWrites('gcw1taken-1', [ev('X')], 'no_stream', writes('gcw1taken-1', 100));
    const again = store.appendWithWrites('gcw1retry-1', retried, 'no_stream', writes('gcw1retry-1', 100));
    const plain = store.append('gcw1plain-1', [ev('P')], 'no_stream');
    await hold.release();
    await busy;

    await expect(Promise.all(fresh)).resolves.toHaveLength(5);
    await expect(wrong).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(again).resolves.toMatchObject({ alreadyStored: true });
    await expect(plain).resolves.toMatchObject({ nextExpectedVersion: 1n });
    const after = store.groupCommitStats;
    // The seven with writes and the plain append (no writes of its own) in one statement.
    expect(after.batches - before.batches).toBe(1);
    expect(after.batchedAppends - before.batchedAppends).toBe(8);
    expect(await tally()).toMatchObject({ 'gcw1busy-1': 1, 'gcw1new-0': 10, 'gcw1new-4': 14, 'gcw1retry-1': 1, 'gcw1taken-1': 1 });
    expect(await tally()).not.toHaveProperty('gcw1plain-1');
  });

  it('keeps events and writes together when the writes fail: that append is refused with nothing stored, the others land', async () => {
    const store = oneAtATime();
    const hold = await holdStream('gcw2busy-1');
    const busy = store.appendWithWrites('gcw2busy-1', [ev('B')], 'no_stream', writes('gcw2busy-1', 1));
    await lockWaiters(1);
    const good = [0, 1, 2].map((i) => store.appendWithWrites(`gcw2good-${i}`, [ev('G')], 'no_stream', writes(`gcw2good-${i}`, 1)));
    const bad = store.appendWithWrites('gcw2bad-1', [ev('Z')], 'no_stream', writes('gcw2bad-1', 1, 'bad'));
    await hold.release();
    await busy;
    await expect(Promise.all(good)).resolves.toHaveLength(3);
    await expect(bad).rejects.toMatchObject({ code: '23514' });
    expect(await store.readStream('gcw2bad-1')).toEqual([]);
    expect((await store.readStream('gcw2good-2')).map((e) => e.type)).toEqual(['G']);
    expect(await tally()).toMatchObject({ 'gcw2good-0': 1, 'gcw2good-1': 1, 'gcw2good-2': 1 });
    expect(await tally()).not.toHaveProperty('gcw2bad-1');
  });

  it('sends writes of another name in a statement of their own; plain appends go with either', async () => {
    const store = oneAtATime();
    const hold = await holdStream('gcw5busy-1');
    const busy = store.append('gcw5busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const before = store.groupCommitStats;
    const plain = store.append('gcw5plain-1', [ev('P')], 'no_stream');
    const tallied = store.appendWithWrites('gcw5t-1', [ev('T')], 'no_stream', writes('gcw5t-1', 3));
    const other = store.appendWithWrites('gcw5o-1', [ev('O')], 'no_stream', {
      name: 'gcw_other',
      ctes: `noted AS (INSERT INTO gcw.tally (stream_id, n, note) SELECT w->>'stream', 0, 'other' FROM writes)`,
      row: { stream: 'gcw5o-1' },
    });
    const plainToo = store.append('gcw5plain-2', [ev('P')], 'no_stream');
    await hold.release();
    await busy;
    await Promise.all([plain, tallied, other, plainToo]);
    const after = store.groupCommitStats;
    // First statement: both plain appends and the tally writes; then the other name alone.
    expect(after.statements - before.statements).toBe(2);
    expect(after.batchedAppends - before.batchedAppends).toBe(3);
    const { rows } = await pool.query<{ stream_id: string; n: number; note: string }>(`SELECT stream_id, n, note FROM gcw.tally WHERE stream_id LIKE 'gcw5%' ORDER BY stream_id`);
    expect(rows).toEqual([
      { stream_id: 'gcw5o-1', n: 0, note: 'other' },
      { stream_id: 'gcw5t-1', n: 3, note: 'ok' },
    ]);
  });

  it('goes alone, writes included, with group commit off', async () => {
    const store = new EventStore(pool, { groupCommit: false });
    await store.appendWithWrites('gcw3off-1', [ev('A')], 'no_stream', writes('gcw3off-1', 5));
    await expect(store.appendWithWrites('gcw3off-1', [ev('B')], 'no_stream', writes('gcw3off-1', 5))).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await tally()).toMatchObject({ 'gcw3off-1': 5 });
    expect(store.groupCommitStats.batches).toBe(0);
  });

  it('never lets an append overtake an earlier one to its stream that was passed over', async () => {
    const store = oneAtATime();
    const hold = await holdStream('gcw4busy-1');
    const busy = store.append('gcw4busy-1', [ev('B')], 'no_stream');
    await lockWaiters(1);
    // Waiting: a plain append (the next statement's kind), then one with writes and a plain one to the same stream.
    const first = store.append('gcw4a-1', [ev('A1')], 'no_stream');
    const withWrites = store.appendWithWrites('gcw4s-1', [ev('S1')], 'no_stream', writes('gcw4s-1', 1));
    const after = store.append('gcw4s-1', [ev('S2')], 1);
    await hold.release();
    await busy;
    await Promise.all([first, withWrites, after]);
    expect((await store.readStream('gcw4s-1')).map((e) => e.type)).toEqual(['S1', 'S2']);
  });
});

describe('es.append_many', () => {
  it('writes an append of more than 1,000 events in a batch as several commits, beside short ones', async () => {
    // Big appends may share a statement here, so the long one goes in the batch.
    const store = new EventStore(pool, { groupCommit: { maxStatements: 1, aloneFromChars: Number.MAX_SAFE_INTEGER } });
    const hold = await holdStream('manylong-busy');
    const busy = store.append('manylong-busy', [ev('B')], 'no_stream');
    await lockWaiters(1);
    const before = store.groupCommitStats.batches;
    const long = Array.from({ length: 2_100 }, (_, i) => ev('L', { i }));
    const answers = Promise.all([
      store.append('manylong-a', [ev('S', { i: 0 })], 'no_stream'),
      store.append('manylong-b', long, 'no_stream'),
      store.append('manylong-c', [ev('S', { i: 1 }), ev('S', { i: 2 })], 'no_stream'),
    ]);
    await hold.release();
    await busy;
    const [a, b, c] = await answers;
    expect(store.groupCommitStats.batches).toBe(before + 1);
    expect([a.nextExpectedVersion, b.nextExpectedVersion, c.nextExpectedVersion]).toEqual([1n, 2_100n, 2n]);
    expect(b.events.map((e) => e.version)).toEqual(long.map((_, i) => BigInt(i + 1)));
    const read = await store.readStream('manylong-b');
    expect(read.map((e) => [e.id, e.position])).toEqual(b.events.map((e) => [e.id, e.position]));
    expect(read.map((e) => e.data)).toEqual(long.map((e) => e.data));
    const { rows } = await pool.query<{ count: number }>(`SELECT count FROM es.commits WHERE stream_id = 'manylong-b' ORDER BY version`);
    expect(rows.map((r) => r.count)).toEqual([1_000, 1_000, 100]);
    expect((await store.readStream('manylong-c')).map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }]);
  });

  it('plans its statements once per session (generic plans), not on every call', async () => {
    const { rows } = await pool.query<{ proconfig: string[] | null }>(`SELECT proconfig FROM pg_proc WHERE oid = 'es.append_many(text[], bigint[], int[], uuid[], json)'::regprocedure`);
    expect(rows[0]!.proconfig).toEqual(['plan_cache_mode=force_generic_plan']);
  });
});
