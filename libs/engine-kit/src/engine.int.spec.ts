import { connectBus, decodeJson, encodeJson, requesterFor, RequestTimeoutError, type Bus } from '@outcomes/bus';
import { ENGINE_SUBJECTS, type BidResponseBatch } from '@outcomes/contracts';
import { testNatsUrl, uniqueName } from '@outcomes/testing';
import { runEngine } from './engine';

let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: testNatsUrl(), name: 'engine-kit-test', namespace: uniqueName('kit') });
});
afterAll(() => bus.close());

const request = (outcomeId: string, type = 'cs.resolve') => ({ outcome_id: outcomeId, outcome_type: type, tmax_ms: 250, capability_requirements: [], latency_preference: 'balanced', max_latency_seconds: 60 });

describe('runEngine', () => {
  it('answers every request of a batch in order, and a batch it cannot read with silence rather than a crash', async () => {
    const engine = runEngine(bus, 'eng_kit', {
      bid: (r) => (r.outcome_type === 'cs.resolve' ? { priceMicros: 420_000 } : r.outcome_type === 'boom' ? Promise.reject(new Error('x')) : { decline: 'not mine' }),
      award: () => true,
    });
    await bus.nc.flush();
    const subject = bus.subject(ENGINE_SUBJECTS.bidRequest('eng_kit'));
    const ask = (body: Uint8Array) => requesterFor(bus.nc).request(subject, body, { timeoutMs: 300 });

    await expect(ask(new TextEncoder().encode('not json'))).rejects.toBeInstanceOf(RequestTimeoutError);
    const reply = await ask(encodeJson({ requests: [request('out_1'), request('out_2', 'legal.review'), request('out_3', 'boom')] }));

    expect(decodeJson<BidResponseBatch>(reply.data)).toEqual({ responses: [{ price: '0.42' }, { decline: 'not mine' }, { decline: 'engine error' }] });
    await engine.stop();
  });
});
