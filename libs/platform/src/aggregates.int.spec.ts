import { createTestEventStore, type TestEventStore } from '@outcomes/testing';
import { Aggregates, type AggregateKind } from './aggregates';

type Counted = { readonly type: 'Counted'; readonly data: { readonly by: number } };
const counter: AggregateKind<number, Counted> = { category: 'counter', initialState: () => 0, evolve: (n, e) => n + e.data.by };

let t: TestEventStore;
let aggregates: Aggregates;

beforeAll(async () => {
  t = await createTestEventStore(20);
  aggregates = new Aggregates(t.store);
  await t.store.pool.query('CREATE TABLE counters (id text PRIMARY KEY, total int NOT NULL)');
});
afterAll(() => t.close());

describe('Aggregates.execute', () => {
  it('decides again when a concurrent writer got there first, so no increment is lost', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => aggregates.execute(counter, 'a', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec', retries: 50 })),
    );
    expect((await aggregates.load(counter, 'a')).state).toBe(12);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => BigInt(i + 1))));
    const [first] = await t.store.readStream('counter-a');
    expect(first!.metadata.actor).toBe('spec');
  });

  it('writes the projection in the append transaction: a failing projection stores no event', async () => {
    const project = async (tx: import('pg').PoolClient, _e: readonly Counted[], total: number) => {
      await tx.query('INSERT INTO counters (id, total) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET total = EXCLUDED.total', ['b', total]);
      if (total > 1) throw new Error('projection broke');
    };
    await aggregates.execute(counter, 'b', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec', project });
    await expect(aggregates.execute(counter, 'b', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec', project })).rejects.toThrow('projection broke');
    expect((await aggregates.load(counter, 'b')).state).toBe(1);
    expect((await t.store.pool.query('SELECT total FROM counters WHERE id = $1', ['b'])).rows).toEqual([{ total: 1 }]);
  });

  it('decides from a cached state, and a writer that bypassed the cache makes it reload, losing nothing', async () => {
    const cache = new Map();
    await aggregates.execute(counter, 'd', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec', cache });
    expect(cache.get('d')).toEqual({ state: 1, version: 1n });
    await aggregates.execute(counter, 'd', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec' });
    const r = await aggregates.execute(counter, 'd', (n) => [{ type: 'Counted' as const, data: { by: n } }], { actor: 'spec', cache });
    expect(r.state).toBe(4);
    expect((await aggregates.load(counter, 'd')).state).toBe(4);
  });

  it('appends nothing when the decider decides nothing', async () => {
    const r = await aggregates.execute(counter, 'c', () => [], { actor: 'spec' });
    expect(r).toEqual({ state: 0, events: [], version: 0n });
    expect(await t.store.readStream('counter-c')).toEqual([]);
  });

  it('decides again on a fresh read when a kept state makes the decider refuse or do nothing', async () => {
    const cache = new Map();
    await aggregates.execute(counter, 'e', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec', cache });
    // Another copy counts past the kept state.
    await aggregates.execute(counter, 'e', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec' });
    // Only a total of 2 or more may be doubled; the kept state (1) alone would make this a no-op.
    const doubled = await aggregates.execute(counter, 'e', (n) => (n >= 2 ? [{ type: 'Counted' as const, data: { by: n } }] : []), { actor: 'spec', cache });
    expect(doubled.state).toBe(4);
    await aggregates.execute(counter, 'e', () => [{ type: 'Counted' as const, data: { by: 1 } }], { actor: 'spec' });
    // The kept state (4) says 'too small', the stream (5) says go.
    const refusing = (n: number) => {
      if (n < 5) throw new Error('too small');
      return [{ type: 'Counted' as const, data: { by: 1 } }];
    };
    expect((await aggregates.execute(counter, 'e', refusing, { actor: 'spec', cache })).state).toBe(6);
    // A refusal on the fresh state stands.
    await expect(aggregates.execute(counter, 'f', refusing, { actor: 'spec', cache })).rejects.toThrow('too small');
  });
});

describe('Aggregates.executeMany', () => {
  const add = (by: number) => () => [{ type: 'Counted' as const, data: { by } }];
  const atMost = (limit: number, by: number) => (n: number) => {
    if (n + by > limit) throw new Error(`past ${limit}`);
    return [{ type: 'Counted' as const, data: { by } }];
  };

  it('decides several commands in order on one state and appends them in one round trip, each refusal its own', async () => {
    const answers = await aggregates.executeMany(counter, 'm1', [add(2), atMost(5, 4), atMost(5, 3), add(1)], { actor: 'spec' });
    expect(answers.map((a) => ('refused' in a ? `refused: ${(a.refused as Error).message}` : a.events.length))).toEqual([1, 'refused: past 5', 1, 1]);
    const stored = await t.store.readStream('counter-m1');
    expect(stored.map((e) => (e.data as { by: number }).by)).toEqual([2, 3, 1]);
    // One append: the three events share the transaction that wrote them.
    const { rows } = await t.store.pool.query<{ n: string }>(`SELECT count(DISTINCT transaction_id) AS n FROM es.events WHERE stream_id = 'counter-m1'`);
    expect(rows[0]!.n).toBe('1');
  });

  it('decides the whole batch again when another writer got there first, from where the stream is, losing nothing', async () => {
    const cache = new Map();
    await aggregates.executeMany(counter, 'm2', [add(1)], { actor: 'spec', cache });
    await aggregates.execute(counter, 'm2', add(10), { actor: 'spec' });
    // The kept state (1) would let both through; the stream (11) lets only the second.
    const answers = await aggregates.executeMany(counter, 'm2', [atMost(12, 5), atMost(12, 1)], { actor: 'spec', cache });
    expect(answers.map((a) => 'refused' in a)).toEqual([true, false]);
    expect(cache.get('m2')).toEqual({ state: 12, version: 3n });
    expect((await aggregates.load(counter, 'm2')).state).toBe(12);
  });

  it('keeps every increment when batches from several copies race on one stream', async () => {
    const copies = [new Map(), new Map(), new Map()];
    await Promise.all(Array.from({ length: 30 }, (_, i) => aggregates.executeMany(counter, 'm3', [add(1), add(1)], { actor: 'spec', cache: copies[i % 3]!, retries: 100 })));
    expect((await aggregates.load(counter, 'm3')).state).toBe(60);
  });
});

describe('snapshots', () => {
  /** A counter whose states are saved every 5 events, and which counts the events it folds. */
  const folded = { n: 0 };
  const snapshotted: AggregateKind<number, Counted> = {
    category: 'snapcounter',
    initialState: () => 0,
    evolve: (n, e) => {
      folded.n++;
      return n + e.data.by;
    },
    snapshots: { encode: (n) => ['{"n":', String(n), '}'], decode: (j) => (j as { n: number }).n, everyEvents: 5, minIntervalMs: 0 },
  };
  const add = (by: number) => () => [{ type: 'Counted' as const, data: { by } }];
  const snapshotRow = async (id: string) => (await t.store.pool.query<{ version: string }>('SELECT version FROM es.snapshots WHERE stream_id = $1', [`snapcounter-${id}`])).rows[0];

  it('saves a state now and then, and a load starts from the latest snapshot, folding only the events after it', async () => {
    const writer = new Aggregates(t.store);
    const cache = new Map();
    const upTo = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) await writer.execute(snapshotted, 's1', add(i), { actor: 'spec', cache });
    };
    // Taken in the background after the append that makes one due, and none while one is being
    // written: so wait for each before the appends that make the next one due.
    await upTo(1, 5);
    expect(await eventuallyRow('s1', 5n)).toBe(5n);
    await upTo(6, 10);
    expect(await eventuallyRow('s1', 10n)).toBe(10n);
    await upTo(11, 12);
    folded.n = 0;
    const loaded = await new Aggregates(t.store).load(snapshotted, 's1');
    expect(loaded).toEqual({ state: 78, version: 12n });
    expect(folded.n).toBe(2);
  });

  it('keeps the later snapshot when an earlier one comes after it', async () => {
    for (let i = 1; i <= 6; i++) await aggregates.execute(snapshotted, 's2', add(1), { actor: 'spec' });
    await eventuallyRow('s2', 5n);
    expect(await t.store.writeSnapshot('snapcounter-s2', 3n, Buffer.from('stale'))).toBe(false);
    expect(await snapshotRow('s2')).toEqual({ version: '5' });
    expect((await new Aggregates(t.store).load(snapshotted, 's2')).state).toBe(6);
  });

  it('passes over a snapshot it cannot read, and reads the stream from its start', async () => {
    await t.store.writeSnapshot('snapcounter-junk', 2n, Buffer.from('not gzip at all'));
    await t.store.append('snapcounter-junk', [1, 2, 3].map(() => ({ type: 'Counted', data: { by: 2 } })), 'any');
    const errors: string[] = [];
    folded.n = 0;
    const loaded = await new Aggregates(t.store, { onSnapshotError: (stream) => errors.push(stream) }).load(snapshotted, 'junk');
    expect(loaded).toEqual({ state: 6, version: 3n });
    expect(folded.n).toBe(3);
    expect(errors).toEqual(['snapcounter-junk']);
  });

  it('reads a long stream a page at a time, to its end', async () => {
    const events = Array.from({ length: 500 }, () => ({ type: 'Counted', data: { by: 1 } }));
    for (let i = 0; i < 21; i++) await t.store.append('counter-long', events, 'any');
    expect(await aggregates.load(counter, 'long')).toEqual({ state: 10_500, version: 10_500n });
  });

  async function eventuallyRow(id: string, atLeast: bigint): Promise<bigint> {
    // Snapshots are written in the background: on a loaded machine that can take seconds.
    for (let i = 0; i < 500; i++) {
      const row = await snapshotRow(id);
      if (row && BigInt(row.version) >= atLeast) return BigInt(row.version);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no snapshot of ${id} at ${atLeast} or later`);
  }
});
