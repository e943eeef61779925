import { evolveOutcome, initialOutcomeState, type OutcomeState } from '@outcomes/domain-auction';
import { weighState } from './state-weight';

const requested = (input: unknown): OutcomeState =>
  evolveOutcome(initialOutcomeState(), {
    type: 'OutcomeRequested',
    data: {
      outcomeId: 'out_w',
      buyerId: 'buy_w',
      configId: 'cfg_w',
      configVersion: 1,
      outcomeType: 'code.review',
      input,
      metadata: {},
      delivery: { maxLatencySeconds: 60, deadlineSeconds: null, deadlineType: 'soft', maxAttempts: 1 },
      at: '2026-12-06T22:00:00.000Z',
      by: 'key_w',
    },
  } as Parameters<typeof evolveOutcome>[1]);

describe('weighState', () => {
  it('weighs a state by its input: a string by its length, anything else by its JSON', () => {
    expect(weighState(initialOutcomeState())).toBe(1024);
    expect(weighState(requested('x'.repeat(100_000)))).toBe(1024 + 100_000);
    const diff = { files: [{ path: 'a.ts', patch: 'y'.repeat(5_000) }] };
    expect(weighState(requested(diff))).toBe(1024 + JSON.stringify(diff).length);
  });

  it('weighs every later state of an outcome as its first (same request, measured once)', () => {
    const first = requested({ text: 'z'.repeat(2_000) });
    const later = evolveOutcome(first, { type: 'OutcomeMarkedLate', data: { outcomeId: 'out_w', at: '2026-12-06T22:01:00.000Z' } } as Parameters<typeof evolveOutcome>[1]);
    expect(later).not.toBe(first);
    expect(weighState(later)).toBe(weighState(first));
  });
});
