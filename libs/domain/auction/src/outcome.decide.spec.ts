import { deciderSpec } from '@outcomes/testing';
import { decideOutcome, evolveOutcome, initialOutcomeState, type OutcomeCommand, type OutcomeEvent } from './outcome.decide';

const spec = deciderSpec({ decide: decideOutcome, evolve: evolveOutcome, initialState: initialOutcomeState });
const now = new Date('2026-11-22T10:00:00Z');
const request: OutcomeCommand = {
  type: 'RequestOutcome',
  now,
  request: { outcomeId: 'out_1', buyerId: 'buy_1', configId: 'cfg_1', configVersion: 3, outcomeType: 'cs.resolve', input: { text: 'where is my order?' }, metadata: {}, delivery: { maxLatencySeconds: 60, deadlineSeconds: null, deadlineType: 'soft', maxAttempts: 2 }, by: 'key_1' },
};
const award: OutcomeCommand = { type: 'Award', now, award: { engineId: 'eng_a', engineName: 'a', clearingPriceMicros: 420_000, budgetId: 'cfg_1.2026-11' } };
const after = (...commands: OutcomeCommand[]) => commands.reduce<OutcomeEvent[]>((h, c) => [...h, ...spec.given(h).when(c).events()], []);
const report = (engineId: string, kind: 'message' | 'completed' | 'failed', payload: Record<string, unknown> = {}, seq = 1): OutcomeCommand => ({ type: 'Report', now, engineId, seq, kind, payload });

describe('outcome', () => {
  it('goes from requested through the award to completed, each step an event', () => {
    const h = after(request, award, report('eng_a', 'message', { content: 'hi' }), report('eng_a', 'completed', { result: 'done' }, 2));
    expect(h.map((e) => e.type)).toEqual(['OutcomeRequested', 'OutcomeAwarded', 'ExecutionReported', 'OutcomeCompleted']);
    expect(spec.given(h).state).toMatchObject({ status: 'completed', engineId: 'eng_a', clearingPriceMicros: 420_000 });
  });

  it('holds back reports that arrive before the award is recorded', () => {
    spec.given(after(request)).when(report('eng_a', 'message')).thenRejects({ code: 'OUT_OF_ORDER' });
  });

  it('hears only the awarded engine, and nothing after the end', () => {
    const running = after(request, award);
    spec.given(running).when(report('eng_b', 'completed')).thenRejects({ code: 'FORBIDDEN' });
    const done = after(request, award, report('eng_a', 'failed', { reason: 'crashed' }));
    spec.given(done).when(report('eng_a', 'completed')).thenRejects({ code: 'FORBIDDEN' });
  });

  it('applies reports in the engine’s order: a repeat changes nothing, one that skips ahead waits', () => {
    const h = after(request, award, report('eng_a', 'message'));
    spec.given(h).when(report('eng_a', 'message', {}, 1)).then([]);
    spec.given(h).when(report('eng_a', 'completed', {}, 3)).thenRejects({ code: 'OUT_OF_ORDER' });
  });

  it('escalates at once when the auction finds no bid, and never awards after that', () => {
    const h = after(request, { type: 'Escalate', now, trigger: 'no_bid', details: 'no eligible engine bid' });
    expect(spec.given(h).state).toMatchObject({ status: 'escalated' });
    spec.given(h).when(award).then([]);
  });

  it('notes a passed soft deadline once, and only while the outcome is open', () => {
    const h = after(request, award, { type: 'MarkLate', now }, { type: 'MarkLate', now });
    expect(h.map((e) => e.type).filter((t) => t === 'OutcomeMarkedLate')).toHaveLength(1);
    expect(spec.given(h).state).toMatchObject({ late: true, status: 'running' });
    spec.given(after(request, award, report('eng_a', 'failed'))).when({ type: 'MarkLate', now }).then([]);
  });

  it('auctions a timed-out outcome again without that engine while attempts remain, then escalates', () => {
    const timedOut = after(request, award, { type: 'TimeOut', now });
    expect(timedOut.at(-1)!.type).toBe('ExecutionTimedOut');
    expect(spec.given(timedOut).state).toMatchObject({ status: 'auctioning', engineId: null, declinedBy: ['eng_a'], attempts: 1 });
    spec.given(timedOut).when(report('eng_a', 'completed')).thenRejects({ code: 'OUT_OF_ORDER' });
    const again = after(request, award, { type: 'TimeOut', now }, { type: 'Award', now, award: { engineId: 'eng_b', engineName: 'b', clearingPriceMicros: 1, budgetId: 'x', reservationId: 'out_1:1' } }, { type: 'TimeOut', now });
    expect(spec.given(again).state).toMatchObject({ status: 'escalated', attempts: 2 });
  });

  it('remembers engines that declined the award', () => {
    const h = after(request, { type: 'DeclineAward', now, engineId: 'eng_a', reason: 'at capacity' });
    expect(spec.given(h).state).toMatchObject({ status: 'auctioning', declinedBy: ['eng_a'] });
  });

  it('keeps a hand-off open across failed rounds until one delivers or the schedule runs out, counting every call', () => {
    const escalated = after(request, { type: 'Escalate', now, trigger: 'no_bid', details: 'none' });
    expect(spec.given(escalated).state).toMatchObject({ escalation: { trigger: 'no_bid', details: 'none' } });
    const retryAt = new Date('2026-11-22T10:00:30Z');
    const failedOnce = after(request, { type: 'Escalate', now, trigger: 'no_bid', details: 'none' }, { type: 'RecordHandoff', now, destination: 'webhook', attempts: 3, failure: 'HTTP 503', retryAt });
    expect(failedOnce.at(-1)).toEqual({ type: 'HandoffRetryScheduled', data: { outcomeId: 'out_1', destination: 'webhook', attempts: 3, reason: 'HTTP 503', retryAt: retryAt.toISOString(), at: now.toISOString() } });
    expect(spec.given(failedOnce).state).toMatchObject({ handoff: { attempts: 3, rounds: 1, retryAt: retryAt.toISOString(), settled: false } });
    spec.given(failedOnce).when({ type: 'RecordHandoff', now, destination: 'webhook', attempts: 2, failure: null }).then([
      { type: 'HandoffDelivered', data: { outcomeId: 'out_1', destination: 'webhook', attempts: 5, at: now.toISOString() } },
    ]);
    const gaveUp = [...failedOnce, ...spec.given(failedOnce).when({ type: 'RecordHandoff', now, destination: 'webhook', attempts: 3, failure: 'HTTP 503', retryAt: null }).events()];
    expect(gaveUp.at(-1)).toMatchObject({ type: 'HandoffFailed', data: { attempts: 6 } });
    // Settled: a late duplicate round records nothing.
    spec.given(gaveUp).when({ type: 'RecordHandoff', now, destination: 'webhook', attempts: 1, failure: null }).then([]);
    spec.given(after(request)).when({ type: 'RecordHandoff', now, destination: 'webhook', attempts: 1, failure: null }).thenRejects({ code: 'RULE_VIOLATION' });
  });
});
