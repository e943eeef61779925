import { connectBus, decodeJson, encodeJson, type Bus } from '@outcomes/bus';
import type { BidRequestBatch, BidResponseBatch, LossNoticeBatch } from '@outcomes/contracts';
import { testNatsUrl, uniqueName } from '@outcomes/testing';
import { BidBatches, NoticeBatches } from './engine-batches';

let bus: Bus;
beforeAll(async () => {
  bus = await connectBus({ servers: testNatsUrl(), name: 'engine-batches-test', namespace: uniqueName('eb') });
});
afterAll(() => bus.close());

const request = (outcomeId: string) => JSON.stringify({ outcome_id: outcomeId, outcome_type: 'cs.resolve', tmax_ms: 200, capability_requirements: [], latency_preference: 'balanced', max_latency_seconds: 60 });

describe('bid requests batched per engine and turn', () => {
  it('sends the requests of one turn to an engine as one message, and gives each auction its own answer', async () => {
    const subject = bus.subject('engine.eng_a.bid');
    const received: string[][] = [];
    const sub = bus.nc.subscribe(subject, {
      callback: (_err, msg) => {
        const { requests } = decodeJson<BidRequestBatch>(msg.data);
        received.push(requests.map((r) => r.outcome_id));
        msg.respond(encodeJson({ responses: requests.map((r) => (r.outcome_id === 'out_2' ? { decline: 'busy' } : { price: `0.${r.outcome_id.slice(-1)}0` })) } satisfies BidResponseBatch));
      },
    });
    await bus.nc.flush();
    const batches = new BidBatches(bus, 500);

    const first = await Promise.all(['out_1', 'out_2', 'out_3'].map((id) => batches.ask(subject, request(id))));
    const later = await batches.ask(subject, request('out_4'));

    expect(received).toEqual([['out_1', 'out_2', 'out_3'], ['out_4']]);
    expect(first).toEqual([
      { kind: 'answer', answer: { price: '0.10' } },
      { kind: 'answer', answer: { decline: 'busy' } },
      { kind: 'answer', answer: { price: '0.30' } },
    ]);
    expect(later).toEqual({ kind: 'answer', answer: { price: '0.40' } });
    sub.unsubscribe();
  });

  it('counts every request of a batch answered after tmax as late, and one nobody serves as unreachable', async () => {
    const slow = bus.subject('engine.eng_slow.bid');
    const sub = bus.nc.subscribe(slow, {
      callback: (_err, msg) => void setTimeout(() => msg.respond(encodeJson({ responses: [{ price: '0.10' }, { price: '0.20' }] })), 300),
    });
    await bus.nc.flush();
    const batches = new BidBatches(bus, 100);

    const answers = await Promise.all([batches.ask(slow, request('out_1')), batches.ask(slow, request('out_2')), batches.ask(bus.subject('engine.eng_none.bid'), request('out_3'))]);

    expect(answers).toEqual([{ kind: 'late' }, { kind: 'late' }, { kind: 'unreachable' }]);
    sub.unsubscribe();
  });

  it('sends the loss notices of one turn to an engine as one message', async () => {
    const subject = bus.subject('engine.eng_b.notice');
    const got: LossNoticeBatch[] = [];
    const sub = bus.nc.subscribe(subject, {
      callback: (_err, msg) => {
        got.push(decodeJson<LossNoticeBatch>(msg.data));
      },
    });
    await bus.nc.flush();
    const notices = new NoticeBatches(bus);

    notices.tell(subject, JSON.stringify({ outcome_id: 'out_1', reason: 'outbid', price_to_beat: '0.20' }));
    notices.tell(subject, JSON.stringify({ outcome_id: 'out_2', reason: 'timeout', price_to_beat: null }));
    await new Promise((r) => setTimeout(r, 100));

    expect(got).toEqual([
      {
        notices: [
          { outcome_id: 'out_1', reason: 'outbid', price_to_beat: '0.20' },
          { outcome_id: 'out_2', reason: 'timeout', price_to_beat: null },
        ],
      },
    ]);
    sub.unsubscribe();
  });
});
