import { decideOutcome, evolveOutcome, initialOutcomeState, type OutcomeCommand, type OutcomeState } from '@outcomes/domain-auction';
import { timerPlan } from './timers';

const now = new Date('2026-11-29T10:00:00.000Z');
const request: OutcomeCommand = {
  type: 'RequestOutcome',
  now,
  request: { outcomeId: 'out_1', buyerId: 'buy_1', configId: 'cfg_1', configVersion: 1, outcomeType: 'cs.resolve', input: 'x', metadata: {}, delivery: { maxLatencySeconds: 60, deadlineSeconds: 600, deadlineType: 'soft', maxAttempts: 2 }, by: 'key_1' },
};
const stateAfter = (...commands: OutcomeCommand[]) => {
  let s: OutcomeState = initialOutcomeState();
  for (const c of commands) s = decideOutcome(c, s).reduce(evolveOutcome, s);
  if (s.status === 'empty') throw new Error('empty');
  return s;
};
const award: OutcomeCommand = { type: 'Award', now, award: { engineId: 'eng_a', engineName: 'a', clearingPriceMicros: 1, budgetId: 'b', reservationId: 'out_1:0' } };
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('timer plan', () => {
  it('sets a resume and the deadline while auctioning', () => {
    expect(timerPlan(stateAfter(request), 5000, now)).toEqual({ drop: [], keep: [['auction', at(5)], ['deadline', at(600)]], set: [] });
  });

  it('replaces the resume with the award’s max latency once running', () => {
    expect(timerPlan(stateAfter(request, award), 5000, now)).toEqual({ drop: ['auction'], keep: [['deadline', at(600)]], set: [['max_latency', at(60)]] });
  });

  it('drops every open timer at the end, and keeps a hand-off round due until it settles', () => {
    const escalated = stateAfter(request, { type: 'Escalate', now, trigger: 'no_bid', details: '' });
    expect(timerPlan(escalated, 5000, now)).toEqual({ drop: ['auction', 'max_latency', 'deadline'], keep: [['handoff', now]], set: [] });
    const retrying = stateAfter(request, { type: 'Escalate', now, trigger: 'no_bid', details: '' }, { type: 'RecordHandoff', now, destination: 'webhook', attempts: 3, failure: 'HTTP 503', retryAt: at(30) });
    expect(timerPlan(retrying, 5000, now).set).toEqual([['handoff', at(30)]]);
    const settled = stateAfter(request, { type: 'Escalate', now, trigger: 'no_bid', details: '' }, { type: 'RecordHandoff', now, destination: 'webhook', attempts: 1, failure: null });
    expect(timerPlan(settled, 5000, now)).toEqual({ drop: ['auction', 'max_latency', 'deadline', 'handoff'], keep: [], set: [] });
  });
});
