import { decide, evolve, initialState, OutcomeTypeRejected, type PublishOutcomeType } from './outcome-type.decide';
import type { OutcomeTypeEvent } from './outcome-type.events';

const now = new Date('2026-11-22T10:00:00Z');
const publish = (over: Partial<PublishOutcomeType['definition']> = {}, key = 'cs.resolve'): PublishOutcomeType => ({
  type: 'PublishOutcomeType',
  key,
  now,
  definition: { name: 'Resolve a ticket', description: 'End to end', verification: 'capi_verified', ...over },
});
const given = (events: OutcomeTypeEvent[]) => events.reduce(evolve, initialState());

describe('outcome type', () => {
  it('given nothing, when published, then version 1 is published', () => {
    expect(decide(publish(), given([]))).toEqual([
      {
        type: 'OutcomeTypePublished',
        data: { key: 'cs.resolve', version: 1, name: 'Resolve a ticket', description: 'End to end', verification: 'capi_verified', publishedAt: now.toISOString() },
      },
    ]);
  });

  it('given version 1, when the same definition is published again, then nothing happens', () => {
    const history = decide(publish(), given([]));
    expect(decide(publish(), given(history))).toEqual([]);
  });

  it('given version 1, when a changed definition is published, then version 2 is published', () => {
    const history = decide(publish(), given([]));
    const next = decide(publish({ description: 'Changed' }), given(history));
    expect(next).toHaveLength(1);
    expect(next[0]!.data).toMatchObject({ version: 2, description: 'Changed' });
  });

  it.each([
    ['key', publish({}, 'Not A Key')],
    ['name', publish({ name: '  ' })],
    ['verification', publish({ verification: 'vibes' as never })],
  ])('refuses a bad %s, naming the field', (field, command) => {
    expect(() => decide(command, given([]))).toThrow(OutcomeTypeRejected);
    try {
      decide(command, given([]));
    } catch (err) {
      expect((err as OutcomeTypeRejected).field).toBe(field);
    }
  });

  it('accepts provider.vertical.action keys for custom types', () => {
    expect(decide(publish({}, 'acme.legal.draft_sow'), given([]))).toHaveLength(1);
  });
});
