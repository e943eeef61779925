import { headers as natsHeaders, type Subscription } from '@nats-io/nats-core';
import { uniqueName } from '@outcomes/testing';
import type { Bus } from './connection';
import { createTestBus } from './fixtures/bus.fixture';
import { NoRespondersError, RequestFailedError, Requester, requesterFor, RequestTimeoutError } from './requester';

let client: Bus;
let server: Bus;
const subs: Subscription[] = [];
beforeAll(async () => {
  const ns = uniqueName('t');
  client = await createTestBus(ns, 'requester-client');
  server = await createTestBus(ns, 'requester-server');
  // Answers after the delay the request names, echoing it and the `X-Tag` header.
  subs.push(
    server.nc.subscribe(server.subject('slow'), {
      callback: (_e, msg) => {
        const { n, delayMs } = JSON.parse(decoder.decode(msg.data)) as { n: number; delayMs: number };
        setTimeout(() => msg.respond(encoder.encode(JSON.stringify({ n, tag: msg.headers?.get('X-Tag') ?? null }))), delayMs);
      },
    }),
    // Listens, never answers.
    server.nc.subscribe(server.subject('silent')),
  );
  await server.nc.flush();
});
afterAll(async () => {
  for (const s of subs) s.unsubscribe();
  await client.close();
  await server.close();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ask = (r: Requester, n: number, delayMs: number, timeoutMs = 5_000) =>
  r.request(client.subject('slow'), encoder.encode(JSON.stringify({ n, delayMs })), { timeoutMs }).then((m) => JSON.parse(decoder.decode(m.data)) as { n: number; tag: string | null });

describe('Requester (real NATS)', () => {
  it('gives each request its own reply when replies come in another order', async () => {
    const r = requesterFor(client.nc);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => ask(r, n, (100 - n) % 17)));
    expect(answers.map((a) => a.n)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(r.inFlight).toBe(0);
  });

  it('is one per connection', () => {
    expect(requesterFor(client.nc)).toBe(requesterFor(client.nc));
    expect(requesterFor(server.nc)).not.toBe(requesterFor(client.nc));
  });

  it('sends the headers given', async () => {
    const h = natsHeaders();
    h.set('X-Tag', 'blue');
    const msg = await requesterFor(client.nc).request(client.subject('slow'), encoder.encode(JSON.stringify({ n: 1, delayMs: 0 })), { timeoutMs: 5_000, headers: h });
    expect(JSON.parse(decoder.decode(msg.data))).toEqual({ n: 1, tag: 'blue' });
  });

  it('times each request out on its own deadline, and drops a reply that comes after it', async () => {
    const r = requesterFor(client.nc);
    const started = performance.now();
    const at = (p: Promise<unknown>) =>
      p.then(
        () => ({ ok: true, ms: performance.now() - started }),
        (err: unknown) => ({ ok: false, err, ms: performance.now() - started }),
      );
    const [long, short, late, answered] = await Promise.all([
      at(r.request(client.subject('silent'), encoder.encode('{}'), { timeoutMs: 400 })),
      at(r.request(client.subject('silent'), encoder.encode('{}'), { timeoutMs: 60 })),
      at(ask(r, 3, 250, 100)), // its reply comes 150 ms after its deadline
      at(ask(r, 4, 20, 300)),
    ]);
    expect(short).toMatchObject({ ok: false });
    expect((short as { err: unknown }).err).toBeInstanceOf(RequestTimeoutError);
    expect(short.ms).toBeGreaterThanOrEqual(59);
    expect(short.ms).toBeLessThan(300);
    expect((late as { err: unknown }).err).toBeInstanceOf(RequestTimeoutError);
    expect(late.ms).toBeGreaterThanOrEqual(99);
    expect(late.ms).toBeLessThan(250);
    expect((long as { err: unknown }).err).toBeInstanceOf(RequestTimeoutError);
    expect(long.ms).toBeGreaterThanOrEqual(399);
    expect(answered).toMatchObject({ ok: true });
    await new Promise((res) => setTimeout(res, 200)); // the late reply arrives: nothing to match
    expect(r.inFlight).toBe(0);
  });

  it('reports a subject nobody listens on', async () => {
    await expect(requesterFor(client.nc).request(client.subject('nobody'), encoder.encode('{}'), { timeoutMs: 5_000 })).rejects.toBeInstanceOf(NoRespondersError);
  });

  it('fails what waits when closed, and what is sent afterwards', async () => {
    const r = new Requester(client.nc);
    const waiting = r.request(client.subject('silent'), encoder.encode('{}'), { timeoutMs: 5_000 });
    r.close();
    await expect(waiting).rejects.toBeInstanceOf(RequestFailedError);
    await expect(r.request(client.subject('slow'), encoder.encode('{"n":1,"delayMs":0}'), { timeoutMs: 5_000 })).rejects.toThrow(/closed/);
  });

  it('fails what waits when the connection closes', async () => {
    const own = await createTestBus(client.namespace, 'requester-closing');
    const waiting = requesterFor(own.nc).request(own.subject('silent'), encoder.encode('{}'), { timeoutMs: 5_000 });
    await own.nc.close();
    await expect(waiting).rejects.toBeInstanceOf(RequestFailedError);
  });
});
