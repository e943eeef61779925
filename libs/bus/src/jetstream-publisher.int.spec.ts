import { headers as natsHeaders, type Subscription } from '@nats-io/nats-core';
import type { RecordedEvent } from '@outcomes/event-store';
import { uniqueName } from '@outcomes/testing';
import type { Bus } from './connection';
import { encodeEnvelope, eventHeaders, headerRecord } from './envelope';
import { createTestBus, deleteNamespaceStreams } from './fixtures/bus.fixture';
import { JetStreamPublishError, JetStreamPublisher } from './jetstream-publisher';
import { provision } from './provision';
import { eventWireHeaders } from './wire-headers';

let bus: Bus;
let stream: string;
let peerStream: string;
let silent: Subscription;
beforeAll(async () => {
  bus = await createTestBus(uniqueName('t'), 'publisher-test');
  stream = bus.streamName('PUB');
  peerStream = bus.streamName('PUB_PEER');
  await provision(bus, {
    streams: [
      { name: stream, subjects: [bus.subject('pub.>')], storage: 'memory' },
      { name: peerStream, subjects: [bus.subject('peer.>')], storage: 'memory' },
    ],
  });
  // A core subscriber that never answers: publishes to it have a responder but never an ack.
  silent = bus.nc.subscribe(bus.subject('silent.>'));
});
afterAll(async () => {
  silent.unsubscribe();
  await deleteNamespaceStreams(bus);
  await bus.close();
});

const data = new TextEncoder().encode('{"hello":"world"}');
let ids = 0;
const event = (): RecordedEvent => ({
  id: `0193b2c4-5d6e-7f80-9a1b-${(++ids).toString().padStart(12, '0')}`,
  streamId: 'order-1',
  category: 'order',
  version: 2n,
  position: 41n,
  transactionId: 7n,
  type: 'OrderPlaced',
  data: { n: ids },
  metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v' },
  recordedAt: new Date('2026-01-02T03:04:05.678Z'),
});

/** A stored message's header bytes exactly as JetStream holds them (the API's base64 `hdrs`). */
async function storedRaw(streamName: string, seq: number): Promise<{ subject: string; hdrs: string; data: string }> {
  const reply = await bus.nc.request(`$JS.API.STREAM.MSG.GET.${streamName}`, JSON.stringify({ seq }), { timeout: 5_000 });
  const { message } = reply.json<{ message: { subject: string; hdrs: string; data: string } }>();
  return { subject: message.subject, hdrs: Buffer.from(message.hdrs, 'base64').toString(), data: Buffer.from(message.data, 'base64').toString() };
}

const rejection = async (p: Promise<unknown>): Promise<JetStreamPublishError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof JetStreamPublishError)) throw new Error(`expected a JetStreamPublishError, got ${String(err)}`);
  return err;
};

describe('JetStreamPublisher', () => {
  it('an acked publish is stored with its body and the same header bytes js.publish stores', async () => {
    const publisher = new JetStreamPublisher(bus.nc);
    try {
      const e = event();
      const extra = { 'Outcomes-Relay': 'test' };
      const subject = bus.subject('pub.order.OrderPlaced');
      const ack = await publisher.publish(subject, encodeEnvelope(e), eventWireHeaders(e, extra));
      expect(ack).toEqual({ stream, seq: expect.any(Number), duplicate: false });

      // The same event through the client's own path, into a second stream.
      const peerAck = await bus.js.publish(bus.subject('peer.order.OrderPlaced'), encodeEnvelope(e), { msgID: e.id, headers: eventHeaders(e, extra) });
      const ours = await storedRaw(stream, ack.seq);
      const peer = await storedRaw(peerStream, peerAck.seq);
      expect(ours.subject).toBe(subject);
      expect(ours.data).toBe(new TextDecoder().decode(encodeEnvelope(e)));
      expect(ours.hdrs).toBe(peer.hdrs);
      expect(ours.hdrs).toContain(`Nats-Msg-Id: ${e.id}\r\n`);

      // What a consumer reads.
      const sm = await bus.jsm.streams.getMessage(stream, { seq: ack.seq });
      expect(headerRecord(sm!.header)).toEqual({
        'outcomes-stream': 'order-1',
        'outcomes-version': '2',
        'outcomes-position': '41',
        'outcomes-type': 'OrderPlaced',
        traceparent: e.metadata.traceparent,
        tracestate: 'k=v',
        'outcomes-relay': 'test',
        'nats-msg-id': e.id,
      });
    } finally {
      publisher.close();
    }
  });

  it('the same Nats-Msg-Id twice: the second ack is a duplicate of the first message', async () => {
    const publisher = new JetStreamPublisher(bus.nc);
    try {
      const e = event();
      const subject = bus.subject('pub.order.OrderPlaced');
      const first = await publisher.publish(subject, data, eventWireHeaders(e));
      const second = await publisher.publish(subject, data, eventWireHeaders(e));
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ stream, seq: first.seq, duplicate: true });
    } finally {
      publisher.close();
    }
  });

  it('many publishes in flight: each gets its own ack, stored in the order sent', async () => {
    const publisher = new JetStreamPublisher(bus.nc);
    try {
      const subject = bus.subject('pub.many');
      const acks = await Promise.all(Array.from({ length: 1_000 }, () => publisher.publish(subject, data, eventWireHeaders(event()))));
      const seqs = acks.map((a) => a.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(1_000);
      expect(publisher.inFlight).toBe(0);
    } finally {
      publisher.close();
    }
  });

  it('a subject no stream takes: rejected at once with an error naming the subject', async () => {
    const publisher = new JetStreamPublisher(bus.nc, { timeoutMs: 10_000 });
    try {
      const subject = bus.subject('nowhere.order.OrderPlaced');
      const started = Date.now();
      const err = await rejection(publisher.publish(subject, data, eventWireHeaders(event())));
      expect(Date.now() - started).toBeLessThan(2_000); // the 503 status, not the timeout
      expect(err.code).toBe(503);
      expect(err.subject).toBe(subject);
      expect(err.message).toContain(subject);
      expect(err.message).toMatch(/no JetStream stream/);
    } finally {
      publisher.close();
    }
  });

  it('an error ack (a failed expectation) rejects with JetStream`s code and the subject', async () => {
    const publisher = new JetStreamPublisher(bus.nc);
    try {
      const subject = bus.subject('pub.expect');
      const h = natsHeaders();
      h.set('Nats-Expected-Stream', 'SOME_OTHER_STREAM');
      const err = await rejection(publisher.publish(subject, data, h));
      expect(err.code).toBe(10060); // JSStreamNotMatchErr
      expect(err.message).toContain(subject);
    } finally {
      publisher.close();
    }
  });

  it('a publish not acked in time is rejected at its own deadline, by one timer for all', async () => {
    const publisher = new JetStreamPublisher(bus.nc, { timeoutMs: 300 });
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      const subject = bus.subject('silent.x');
      const at = (p: Promise<unknown>) => rejection(p).then((err) => ({ err, at: performance.now() }));
      const t0 = performance.now();
      const early = Array.from({ length: 100 }, () => at(publisher.publish(subject, data)));
      expect(timers).toHaveBeenCalledTimes(1);
      timers.mockRestore();
      await new Promise((r) => setTimeout(r, 150));
      const t1 = performance.now();
      const late = at(publisher.publish(subject, data));
      const firstOut = await Promise.all(early);
      expect(publisher.inFlight).toBe(1); // the late one waits for its own deadline
      for (const r of firstOut) {
        expect(r.at - t0).toBeGreaterThanOrEqual(299);
        expect(r.err.message).toContain(`${subject} within 300 ms`);
      }
      const l = await late;
      expect(l.at - t1).toBeGreaterThanOrEqual(299);
      expect(l.at - t0).toBeLessThan(5_000);
      expect(publisher.inFlight).toBe(0);
    } finally {
      timers.mockRestore();
      publisher.close();
    }
  });

  it('close rejects what awaits its ack, and every later publish', async () => {
    const publisher = new JetStreamPublisher(bus.nc, { timeoutMs: 10_000 });
    const subject = bus.subject('silent.y');
    const pending = [publisher.publish(subject, data), publisher.publish(subject, data)].map(rejection);
    publisher.close();
    for (const err of await Promise.all(pending)) expect(err.message).toMatch(new RegExp(`${subject}.*publisher was closed`));
    expect((await rejection(publisher.publish(subject, data))).message).toMatch(/not sent: the publisher was closed/);
  });

  it('the connection closing rejects what awaits its ack', async () => {
    const own = await createTestBus(bus.namespace, 'publisher-test-closing');
    const publisher = new JetStreamPublisher(own.nc, { timeoutMs: 10_000 });
    const pending = rejection(publisher.publish(bus.subject('silent.z'), data));
    await own.nc.flush(); // sent, so it is awaiting its ack when the connection goes
    await own.nc.close();
    expect((await pending).message).toMatch(/connection closed/);
  });
});
