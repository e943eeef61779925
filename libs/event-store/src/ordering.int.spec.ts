import { createTestEventStore, sleep, type TestEventStore } from '@outcomes/testing';
import type { PoolClient } from 'pg';
import type { EventStore } from './event-store';
import { checkpointOf, compareCheckpoints, START, type Checkpoint, type RecordedEvent } from './types';

let t: TestEventStore;
let store: EventStore;
beforeAll(async () => {
  t = await createTestEventStore(40);
  store = t.store;
});
afterAll(() => t.close());

/** A reader of the global order that remembers everything it delivered. */
class Reader {
  readonly delivered: RecordedEvent[] = [];
  private cursor: Checkpoint;
  constructor(start: Checkpoint) {
    this.cursor = start;
  }
  /** Polls until at least `n` events arrive: other writers in the cluster may hold readers back briefly. */
  async next(n: number): Promise<RecordedEvent[]> {
    const got: RecordedEvent[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) {
      got.push(...(await this.poll()));
      if (got.length < n) await sleep(10);
    }
    return got;
  }

  async poll(): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    for (;;) {
      const batch = await store.readAll(this.cursor, 50);
      if (batch.length === 0) return out;
      for (const e of batch) {
        if (this.delivered.length > 0) expect(compareCheckpoints(checkpointOf(this.delivered.at(-1)!), checkpointOf(e))).toBe(-1);
        this.delivered.push(e);
        out.push(e);
      }
      this.cursor = checkpointOf(batch.at(-1)!);
    }
  }
}

/** Past every event this file has committed so far: unlike readAll, no horizon (other test files' open transactions would hold it back). */
const head = async (): Promise<Checkpoint> => {
  const { rows } = await store.pool.query<{ transaction_id: string; position: string }>(
    'SELECT transaction_id, position FROM es.events ORDER BY transaction_id DESC, position DESC LIMIT 1',
  );
  return rows[0] ? { transactionId: BigInt(rows[0].transaction_id), position: BigInt(rows[0].position) } : START;
};

async function begin(): Promise<PoolClient> {
  const c = await store.pool.connect();
  await c.query('BEGIN');
  return c;
}

async function end(c: PoolClient, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  await c.query(how);
  c.release();
}

describe('global order when commit order differs from position order', () => {
  it('delivers the lower position committed last without skipping it', async () => {
    const reader = new Reader(await head());
    const a = await begin();
    const b = await begin();
    const ra = await store.appendInTransaction(a, 'pos-a', [{ type: 'A', data: {} }]);
    const rb = await store.appendInTransaction(b, 'pos-b', [{ type: 'B', data: {} }]);
    expect(ra.events[0]!.position).toBeLessThan(rb.events[0]!.position);
    await end(b, 'COMMIT'); // the higher position commits first
    expect(await reader.poll()).toEqual([]); // held back: A is still open and older
    await end(a, 'COMMIT');
    expect((await reader.next(2)).map((e) => e.type)).toEqual(['A', 'B']);
    expect(await reader.poll()).toEqual([]);
  });

  it('delivers a transaction that took its id first but its position last, once, before the younger one', async () => {
    const reader = new Reader(await head());
    const older = await begin();
    await older.query('SELECT pg_current_xact_id()'); // takes its transaction id now
    const younger = await begin();
    await store.appendInTransaction(younger, 'txo-young', [{ type: 'Young', data: {} }]);
    await store.appendInTransaction(older, 'txo-old', [{ type: 'Old', data: {} }]); // higher position, older transaction
    await end(younger, 'COMMIT');
    expect(await reader.poll()).toEqual([]);
    await end(older, 'COMMIT');
    const got = await reader.next(2);
    expect(got.map((e) => e.type)).toEqual(['Old', 'Young']);
    expect(got[0]!.position).toBeGreaterThan(got[1]!.position);
    expect(await reader.poll()).toEqual([]);
  });

  it('does not stall on a rolled-back position', async () => {
    const reader = new Reader(await head());
    const doomed = await begin();
    await store.appendInTransaction(doomed, 'rb-1', [{ type: 'Doomed', data: {} }]);
    await end(doomed, 'ROLLBACK');
    await store.append('rb-2', [{ type: 'Kept', data: {} }]);
    expect((await reader.next(1)).map((e) => e.type)).toEqual(['Kept']);
  });

  it('holds readers back only while a transaction is open, and reports it', async () => {
    const reader = new Reader(await head());
    const open = await begin();
    await open.query('SELECT pg_current_xact_id()');
    await store.append('held-1', [{ type: 'Committed', data: {} }]);
    await sleep(30);
    expect(await reader.poll()).toEqual([]);
    const held = await store.heldBack();
    expect(held.events).toBeGreaterThanOrEqual(1);
    expect(held.oldestOpenTransactionMs).toBeGreaterThanOrEqual(25);
    await end(open, 'ROLLBACK');
    expect((await reader.next(1)).map((e) => e.type)).toEqual(['Committed']);
  });

  it('keeps per-stream order in the global order when an older transaction appends after a newer one', async () => {
    const reader = new Reader(await head());
    await store.append('order-x', [{ type: 'First', data: {} }]);
    const older = await begin();
    await older.query('SELECT pg_current_xact_id()');
    await store.append('order-x', [{ type: 'Second', data: {} }]); // younger transaction, committed
    // the older transaction must not slot its event behind version 2 with a smaller transaction id
    await expect(store.appendInTransaction(older, 'order-x', [{ type: 'Third', data: {} }])).rejects.toMatchObject({ code: '40001' });
    await end(older, 'ROLLBACK');
    expect((await reader.next(2)).map((e) => [e.streamId, e.version])).toEqual([
      ['order-x', 1n],
      ['order-x', 2n],
    ]);
    expect(await reader.poll()).toEqual([]);
  });
});

describe('fuzz: 32 writers, random delays inside transactions, some rollbacks', () => {
  it('delivers exactly the committed set, each once, in a strict total order', async () => {
    const reader = new Reader(await head());
    const committed = new Set<string>();
    const writers = 32;
    const perWriter = 12;
    let done = false;

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < perWriter; i++) {
        const c = await begin();
        try {
          if (Math.random() < 0.5) await c.query('SELECT pg_current_xact_id()'); // id now, position later
          await sleep(Math.random() * 15);
          const n = 1 + Math.floor(Math.random() * 3);
          const stream = `fuzz-${w}-${Math.floor(Math.random() * 3)}`;
          const r = await store.appendInTransaction(c, stream, Array.from({ length: n }, (_, k) => ({ type: 'F', data: { w, i, k } })));
          await sleep(Math.random() * 15);
          if (Math.random() < 0.15) {
            await end(c, 'ROLLBACK');
          } else {
            await end(c, 'COMMIT');
            for (const e of r.events) committed.add(e.id);
          }
        } catch (err) {
          await end(c, 'ROLLBACK').catch(() => undefined);
          if ((err as { code?: string }).code !== '40001') throw err;
        }
      }
    };

    const readLoop = (async () => {
      while (!done) {
        await reader.poll();
        await sleep(Math.random() * 5);
      }
    })();
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    done = true;
    await readLoop;
    await reader.next(committed.size - reader.delivered.length);

    const ids = reader.delivered.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length); // never twice
    expect(new Set(ids)).toEqual(committed); // exactly the committed set
    expect(committed.size).toBeGreaterThan(writers * perWriter * 0.6);
    // per-stream order survives in the global order
    const lastVersion = new Map<string, bigint>();
    for (const e of reader.delivered) {
      expect(e.version).toBe((lastVersion.get(e.streamId) ?? 0n) + 1n);
      lastVersion.set(e.streamId, e.version);
    }
  });
});
