import { deciderSpec } from '@outcomes/testing';
import { builtin } from '../config/config.fixtures';
import { decide, definitionAt, evolve, initialState, type OutcomeTypeCommand } from './outcome-type.decide';

const spec = deciderSpec({ decide, evolve, initialState });
const now = new Date('2026-11-22T10:00:00Z');
const resolve = builtin('cs.resolve');
const review = builtin('code.review');
const platform = (key = 'cs.resolve', definition = resolve): OutcomeTypeCommand => ({ type: 'PublishPlatformType', key, definition, now });
const register = (key = 'acme.legal.draft_sow', definition = review): OutcomeTypeCommand => ({ type: 'RegisterCustomType', key, definition, by: 'operator', now });
const revise = (definition = review, expectedVersion: number | null = null, key = 'acme.legal.draft_sow'): OutcomeTypeCommand => ({
  type: 'ReviseCustomType',
  key,
  definition,
  expectedVersion,
  by: 'operator',
  now,
});
const after = (...commands: OutcomeTypeCommand[]) => commands.reduce<ReturnType<typeof decide>>((h, c) => [...h, ...spec.given(h).when(c).events()], []);

describe('outcome type', () => {
  it('publishes a platform type as version 1, and publishing it unchanged does nothing', () => {
    spec
      .given([])
      .when(platform())
      .then([{ type: 'OutcomeTypePublished', data: { key: 'cs.resolve', version: 1, origin: 'platform', ...resolve, publishedAt: now.toISOString(), publishedBy: 'platform' } }]);
    spec.given(after(platform())).when(platform()).then([]);
  });

  it('publishes a changed platform definition as a new version and keeps the old one readable', () => {
    const history = after(platform(), platform('cs.resolve', { ...resolve, description: 'Changed' }));
    const state = spec.given(history).state;
    expect(state).toMatchObject({ version: 2, definition: { description: 'Changed' } });
    expect(definitionAt(state, 1)?.definition.description).toBe(resolve.description);
    expect(definitionAt(state, null)?.version).toBe(2);
    expect(definitionAt(state, 3)).toBeUndefined();
  });

  it('registers custom types only under provider.vertical.action, once', () => {
    spec.given([]).when(register('legal.draft_sow')).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'key' }] });
    expect(spec.given([]).when(register()).events()[0]!.data).toMatchObject({ version: 1, origin: 'operator', publishedBy: 'operator' });
    spec.given(after(register())).when(register()).thenRejects({ code: 'ALREADY_EXISTS' });
  });

  it('revises a custom type into a new version, refusing a stale expected version', () => {
    const history = after(register());
    spec.given(history).when(revise({ ...review, name: 'SOW' }, 2)).thenRejects({ code: 'VERSION_CONFLICT' });
    expect(spec.given(history).when(revise({ ...review, name: 'SOW' }, 1)).events()[0]!.data).toMatchObject({ version: 2, name: 'SOW' });
    spec.given(history).when(revise(review, 1)).then([]);
  });

  it('does not let operators revise platform types, or revise what does not exist', () => {
    spec.given(after(platform())).when(revise(resolve, null, 'cs.resolve')).thenRejects({ code: 'RULE_VIOLATION' });
    spec.given([]).when(revise()).thenRejects({ code: 'NOT_FOUND' });
  });

  it('refuses a definition that breaks the rules, listing every problem', () => {
    spec
      .given([])
      .when(register('acme.x.y', { ...review, name: ' ', claimWindow: null }))
      .thenRejects({ code: 'RULE_VIOLATION', fields: expect.arrayContaining([expect.objectContaining({ field: 'name' }), expect.objectContaining({ field: 'claim_window' })]) });
  });
});
