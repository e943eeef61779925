import { createTestEventStore, eventually, sleep, type TestEventStore } from '@outcomes/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EventStore } from './event-store';
import { subscribe, subscriptionLag } from './subscription';
import type { RecordedEvent } from './types';

let t: TestEventStore;
let store: EventStore;
beforeAll(async () => {
  t = await createTestEventStore(20);
  store = t.store;
  await store.pool.query('CREATE TABLE applied (n bigserial, subscription text, event_id uuid)');
});
afterAll(() => t.close());

const appendMany = async (prefix: string, n: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await store.append(`${prefix}-${i % 7}`, [{ type: 'Happened', data: { i } }]);
    ids.push(r.events[0]!.id);
  }
  return ids;
};

describe('durable subscriptions', () => {
  it('catches up from the checkpoint, then follows live appends', async () => {
    const before = await appendMany('live', 30);
    const seen: RecordedEvent[] = [];
    const sub = subscribe(store, t.db.url, { name: 'follow', pollIntervalMs: 5_000 }, async (events) => {
      seen.push(...events);
    });
    try {
      await eventually(() => (seen.length >= 30 ? true : undefined));
      const after = await appendMany('live', 10); // arrives by LISTEN/NOTIFY, long before the 5 s poll
      await eventually(() => (seen.length >= 40 ? true : undefined), 3_000);
      expect(seen.map((e) => e.id).filter((id) => before.includes(id) || after.includes(id))).toEqual([...before, ...after]);
      await eventually(async () => ((await subscriptionLag(store, 'follow')).behind === 0 ? true : undefined));
    } finally {
      await sub.stop();
    }
  });

  it('retries a batch whose handler throws, without moving the checkpoint', async () => {
    const ids = await appendMany('retry', 3);
    let calls = 0;
    const seen: string[] = [];
    const sub = subscribe(store, t.db.url, { name: 'flaky', retryDelayMs: 10, pollIntervalMs: 50 }, async (events) => {
      if (++calls <= 2) throw new Error('boom');
      seen.push(...events.map((e) => e.id));
    });
    try {
      await eventually(() => (ids.every((id) => seen.includes(id)) ? true : undefined));
      expect(calls).toBeGreaterThanOrEqual(3);
    } finally {
      await sub.stop();
    }
  });

  it('runs one copy of a name at a time; a standby takes over when the active one stops', async () => {
    const a = subscribe(store, t.db.url, { name: 'single', pollIntervalMs: 30 }, async () => undefined);
    await eventually(() => (a.isActive ? true : undefined));
    const b = subscribe(store, t.db.url, { name: 'single', pollIntervalMs: 30 }, async () => undefined);
    await sleep(200);
    expect(b.isActive).toBe(false);
    await a.stop();
    await eventually(() => (b.isActive ? true : undefined));
    await b.stop();
  });
});

describe('losing the leader session', () => {
  it('stops delivering when its locked session dies, takes the lock again and carries on', async () => {
    const seen: string[] = [];
    const sub = subscribe(store, t.db.url, { name: 'fragile', pollIntervalMs: 30, retryDelayMs: 20 }, async (events) => {
      seen.push(...events.map((e) => e.id));
    });
    try {
      const sessionPid = async (): Promise<number | undefined> =>
        (await store.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'subscription:fragile'`)).rows[0]?.pid;
      const first = await eventually(sessionPid);
      await store.pool.query('SELECT pg_terminate_backend($1)', [first]);
      // a new session takes the lock: the subscription noticed the loss instead of running on without it
      await eventually(async () => {
        const pid = await sessionPid();
        return pid !== undefined && pid !== first && sub.isActive ? true : undefined;
      }, 5_000, 'a new leader session');
      const ids = await appendMany('after-loss', 5);
      await eventually(() => (ids.every((id) => seen.includes(id)) ? true : undefined));
    } finally {
      await sub.stop();
    }
  });
});

describe('crash and resume (SIGKILL of a real process)', () => {
  const child = join(__dirname, 'fixtures', 'projector.child.ts');
  const start = (name: string, mode: string): ChildProcess =>
    spawn(process.execPath, ['-r', '@swc-node/register', child], {
      env: { ...process.env, DATABASE_URL: t.db.url, SUBSCRIPTION: name, MODE: mode },
      stdio: 'ignore',
    });

  const crashRun = async (name: string, mode: string): Promise<{ ids: string[]; applied: string[] }> => {
    const writing = appendMany(`crash${mode}`, 1500);
    const appliedCount = async () =>
      Number((await store.pool.query('SELECT count(*) AS n FROM applied WHERE subscription = $1', [name])).rows[0].n);
    for (let k = 0; k < 4; k++) {
      const before = await appliedCount();
      const p = start(name, mode);
      // kill it while it is working: after it applied something, at a random moment
      await eventually(async () => ((await appliedCount()) > before ? true : undefined), 20_000, 'the child to apply events');
      await sleep(Math.random() * 60);
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    }
    const ids = await writing;
    const last = start(name, mode);
    try {
      await eventually(async () => ((await subscriptionLag(store, name)).behind === 0 ? true : undefined), 30_000, `${name} to catch up`);
    } finally {
      last.kill('SIGKILL');
    }
    const { rows } = await store.pool.query<{ event_id: string }>('SELECT event_id FROM applied WHERE subscription = $1 ORDER BY n', [name]);
    return { ids, applied: rows.map((r) => r.event_id) };
  };

  it('transactional handler: every event applied exactly once across kills', async () => {
    const { ids, applied } = await crashRun('tx-projector', 'transactional');
    const mine = applied.filter((id) => ids.includes(id));
    expect(mine).toHaveLength(ids.length);
    expect(new Set(mine)).toEqual(new Set(ids));
  }, 120_000);

  it('plain handler: nothing lost across kills (at-least-once)', async () => {
    const { ids, applied } = await crashRun('plain-projector', 'plain');
    const mine = new Set(applied.filter((id) => ids.includes(id)));
    expect(mine).toEqual(new Set(ids));
  }, 120_000);
});

