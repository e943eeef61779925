import { headers as natsHeaders } from '@nats-io/nats-core';
import type { RecordedEvent } from '@outcomes/event-store';
import fc from 'fast-check';
import { BusHeaders, eventHeaders, headerRecord } from './envelope';
import { WireHeaders, eventWireHeaders } from './wire-headers';

const decoder = new TextDecoder();

/**
 * What `js.publish(subject, data, { msgID: e.id, headers: eventHeaders(e, extra) })` put on the
 * wire (it skips an empty msgID; event ids are UUIDs, so the property below never makes one).
 */
const clientWire = (e: RecordedEvent, extra?: Record<string, string>): string => {
  const h = eventHeaders(e, extra);
  h.set(BusHeaders.MsgId, e.id);
  return decoder.decode((h as unknown as { encode(): Uint8Array }).encode());
};
const ourWire = (e: RecordedEvent, extra?: Record<string, string>): string => decoder.decode(eventWireHeaders(e, extra).encode());

const outcome = (f: () => string): { bytes: string } | { threw: true } => {
  try {
    return { bytes: f() };
  } catch {
    return { threw: true };
  }
};

const event = (over: Partial<RecordedEvent> = {}): RecordedEvent => ({
  id: '0193b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b',
  streamId: 'order-1',
  category: 'order',
  version: 3n,
  position: 1234n,
  transactionId: 99n,
  type: 'OrderPlaced',
  data: {},
  metadata: {},
  recordedAt: new Date(0),
  ...over,
});

describe('eventWireHeaders', () => {
  it('writes the headers js.publish sent for eventHeaders plus Nats-Msg-Id, in the same order', () => {
    const e = event({ metadata: { traceparent: '00-abc-def-01', tracestate: 'k=v' } });
    expect(ourWire(e)).toBe(
      'NATS/1.0\r\nOutcomes-Stream: order-1\r\nOutcomes-Version: 3\r\nOutcomes-Position: 1234\r\nOutcomes-Type: OrderPlaced\r\ntraceparent: 00-abc-def-01\r\ntracestate: k=v\r\nNats-Msg-Id: 0193b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b\r\n\r\n',
    );
    expect(ourWire(e)).toBe(clientWire(e));
  });

  it('an extra header replaces one of the same name and moves to the end; Nats-Msg-Id stays last', () => {
    const e = event({ metadata: { traceparent: 'old' } });
    const extra = { traceparent: 'new', 'Nats-Msg-Id': 'spoofed', 'Outcomes-Relay': 'r1' };
    expect(ourWire(e, extra)).toBe(clientWire(e, extra));
    expect(ourWire(e, extra)).toContain('Outcomes-Relay: r1\r\nNats-Msg-Id: 0193b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b\r\n\r\n');
    expect(ourWire(e, extra)).not.toContain('spoofed');
  });

  it('refuses what the client refuses: a line break in a value, a colon in a name', () => {
    expect(() => eventWireHeaders(event({ streamId: 'a\r\nInjected: yes' }))).toThrow(/\\r or \\n/);
    expect(() => eventWireHeaders(event(), { 'Bad:Name': 'x' })).toThrow();
  });

  it('matches the client byte for byte on any event and extra headers (property)', () => {
    const text = fc.string({ maxLength: 12 });
    const value = fc.oneof(text, fc.constantFrom('', '  padded  ', 'a\nb', 'é ✓'));
    const name = fc.oneof(fc.constantFrom('traceparent', 'tracestate', 'Outcomes-Stream', 'outcomes-stream', 'Nats-Msg-Id', 'X-Relay', '1', 'a b'), text);
    fc.assert(
      fc.property(
        fc.record({ streamId: value, type: value, id: fc.oneof(fc.uuid(), fc.constantFrom(' id ', 'a\nb')), traceparent: fc.option(value), tracestate: fc.option(value) }),
        fc.bigInt({ min: 1n, max: 2n ** 62n }),
        fc.option(fc.dictionary(name, value, { maxKeys: 4 })),
        (r, n, extra) => {
          const metadata = { ...(r.traceparent === null ? {} : { traceparent: r.traceparent }), ...(r.tracestate === null ? {} : { tracestate: r.tracestate }) };
          const e = event({ id: r.id, streamId: r.streamId, type: r.type, version: n, position: n * 7n, metadata });
          expect(outcome(() => ourWire(e, extra ?? undefined))).toEqual(outcome(() => clientWire(e, extra ?? undefined)));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('WireHeaders', () => {
  it('reads like the client headers, and a change shows in what it sends', () => {
    const h = eventWireHeaders(event(), { 'Outcomes-Relay': 'r1' });
    expect(h.get(BusHeaders.Stream)).toBe('order-1');
    expect(h.keys()).toEqual(['Outcomes-Stream', 'Outcomes-Version', 'Outcomes-Position', 'Outcomes-Type', 'Outcomes-Relay', 'Nats-Msg-Id']);
    expect(headerRecord(h)).toEqual(headerRecord(new WireHeaders(h.encode())));
    h.set('X-Later', 'yes');
    expect(decoder.decode(h.encode())).toContain('X-Later: yes\r\n\r\n');
    expect(h.code).toBe(0);
    expect(h.hasError).toBe(false);
    const client = natsHeaders();
    client.set('X-Later', 'yes');
    expect([...new WireHeaders(new TextEncoder().encode('NATS/1.0\r\nX-Later: yes\r\n\r\n'))]).toEqual([...client]);
  });
});
