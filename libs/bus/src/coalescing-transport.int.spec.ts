import type { Msg } from '@nats-io/nats-core';
import { uniqueName } from '@outcomes/testing';
import { natsWriteStats } from './coalescing-transport';
import type { Bus } from './connection';
import { createTestBus } from './fixtures/bus.fixture';

let sender: Bus;
let receiver: Bus;
beforeAll(async () => {
  const ns = uniqueName('t');
  sender = await createTestBus(ns, 'coalesce-sender');
  receiver = await createTestBus(ns, 'coalesce-receiver');
});
afterAll(async () => {
  await sender.close();
  await receiver.close();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Collects `count` messages on `subject` (of the receiver), in arrival order. */
async function collect(subject: string, count: number, send: () => void | Promise<void>): Promise<string[]> {
  const got: string[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = receiver.nc.subscribe(receiver.subject(subject), {
    callback: (_err, msg: Msg) => {
      got.push(decoder.decode(msg.data));
      if (got.length === count) done();
    },
  });
  await receiver.nc.flush();
  await send();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count}`)), 10_000)))]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  return got;
}

const range = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));

describe('CoalescingTransport (a real connection to NATS)', () => {
  it('sends what separate tasks of one loop turn publish in a few writes, in order', async () => {
    const before = natsWriteStats();
    const got = await collect('turn', 200, () => {
      // 200 tasks, each publishing on its own: without coalescing, 200 writes.
      for (const n of range(200)) setImmediate(() => sender.nc.publish(sender.subject('turn'), encoder.encode(n)));
    });
    const after = natsWriteStats();
    expect(got).toEqual(range(200));
    const frames = after.frames - before.frames;
    const writes = after.writes - before.writes;
    expect(frames).toBeGreaterThanOrEqual(200);
    expect(writes).toBeLessThanOrEqual(frames / 10);
  });

  it('goes at once past 64 KiB, keeping the order', async () => {
    const pad = 'x'.repeat(1_000);
    const got = await collect('big', 300, () => {
      for (const n of range(300)) setImmediate(() => sender.nc.publish(sender.subject('big'), encoder.encode(`${n}:${pad}`)));
    });
    expect(got.map((s) => s.split(':')[0])).toEqual(range(300));
  });

  it('answers requests (one round trip each) and reports no responders', async () => {
    const sub = receiver.nc.subscribe(receiver.subject('echo'), { callback: (_e, msg) => void msg.respond(msg.data) });
    await receiver.nc.flush();
    const answers = await Promise.all(range(50).map(async (n) => decoder.decode((await sender.nc.request(sender.subject('echo'), encoder.encode(n), { timeout: 5_000 })).data)));
    expect(answers).toEqual(range(50));
    sub.unsubscribe();
    await expect(sender.nc.request(sender.subject('nobody'), encoder.encode('?'), { timeout: 5_000 })).rejects.toThrow(/no responders/i);
  });

  it('a drain sends what was published just before it', async () => {
    const ns = uniqueName('t');
    const closing = await createTestBus(ns, 'coalesce-closing');
    const rx = await createTestBus(ns, 'coalesce-closing-rx');
    const got: string[] = [];
    const sub = rx.nc.subscribe(rx.subject('last'), {
      callback: (_e, msg) => {
        got.push(decoder.decode(msg.data));
      },
    });
    await rx.nc.flush();
    for (const n of range(50)) closing.nc.publish(closing.subject('last'), encoder.encode(n));
    await closing.close();
    const deadline = Date.now() + 5_000;
    while (got.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    await rx.close();
    expect(got).toEqual(range(50));
  });
});
