import { deciderSpec } from '@outcomes/testing';
import { decideConfig, evolveConfig, initialConfigState, type ConfigCommand, type ConfigEvent } from './config.decide';
import { builtin, typeAt } from './config.fixtures';
import type { ConfigSections } from './config.types';

const spec = deciderSpec({ decide: decideConfig, evolve: evolveConfig, initialState: initialConfigState });
const now = new Date('2026-11-22T10:00:00Z');
const who = { configId: 'cfg_1', buyerId: 'buy_1', by: 'key_1', now };

const draft = (sections: ConfigSections = {}, type = 'cs.resolve'): ConfigCommand => ({ type: 'DraftConfig', ...who, name: 'Support', outcomeType: typeAt(type), sections });
const revise = (sections: ConfigSections, over: Partial<{ expectedVersion: number | null; buyerId: string; type: string }> = {}): ConfigCommand => ({
  type: 'ReviseConfig',
  ...who,
  buyerId: over.buyerId ?? who.buyerId,
  expectedVersion: over.expectedVersion ?? null,
  sections,
  outcomeType: typeAt(over.type ?? 'cs.resolve'),
});
const launch = (type = 'cs.resolve'): ConfigCommand => ({ type: 'LaunchConfig', ...who, expectedVersion: null, outcomeType: typeAt(type) });
const pause: ConfigCommand = { type: 'PauseConfig', ...who, expectedVersion: null };
const archive: ConfigCommand = { type: 'ArchiveConfig', ...who, expectedVersion: null };

const ready: ConfigSections = { bidStrategy: { type: 'cost_per_result', goalMicros: 500_000 }, budget: { amountMicros: 500_000_000, period: 'monthly' } };
const drafted = (sections: ConfigSections = ready, type = 'cs.resolve'): ConfigEvent[] => spec.given([]).when(draft(sections, type)).events();
const history = (...commands: ConfigCommand[]): ConfigEvent[] =>
  commands.reduce<ConfigEvent[]>((events, c) => [...events, ...spec.given(events).when(c).events()], []);

describe('configuration: drafting', () => {
  it('fills the sections a draft leaves out with the type defaults', () => {
    const [event] = drafted({});
    expect(event).toMatchObject({ type: 'ConfigDrafted', data: { configId: 'cfg_1', buyerId: 'buy_1', by: 'key_1', at: now.toISOString() } });
    const body = event!.type === 'ConfigDrafted' ? event!.data.body : undefined;
    expect(body).toMatchObject({
      name: 'Support',
      outcomeType: { key: 'cs.resolve', version: 1 },
      delivery: { maxLatencySeconds: builtin('cs.resolve').defaultDeliverySeconds, latencyPreference: 'balanced', maxAttempts: 3 },
      guarantee: null,
      bidStrategy: null,
    });
  });

  it('gives a guarantee-backed type its default guarantee and claim window', () => {
    const [event] = drafted({}, 'code.review');
    expect(event!.type === 'ConfigDrafted' && event!.data.body.guarantee).toEqual({
      level: 'basic',
      maxPayoutMicros: null,
      claimWindowDays: builtin('code.review').claimWindow!.defaultDays,
    });
  });

  it('refuses criteria the type does not know, naming each field and why', () => {
    spec
      .given([])
      .when(
        draft({
          successCriteria: {
            required: [
              { metric: 'vibes', operator: 'eq', value: true },
              { metric: 'customer_satisfaction', operator: 'contains', value: '4' },
              { metric: 'customer_satisfaction', operator: 'gte', value: 9 },
              { metric: 'resolution_confirmed', operator: 'eq', value: 'yes' },
            ],
            optional: [],
          },
        }),
      )
      .thenRejects({
        code: 'RULE_VIOLATION',
        fields: [
          { field: 'success_criteria.required[0].metric', reason: expect.stringContaining('is not a metric of cs.resolve v1') },
          { field: 'success_criteria.required[1].operator', reason: expect.stringContaining('customer_satisfaction allows') },
          { field: 'success_criteria.required[2].value', reason: expect.stringContaining('ranges from 1 to 5') },
          { field: 'success_criteria.required[3].value', reason: 'resolution_confirmed is a boolean' },
        ],
      });
  });

  it('refuses guarantee terms on a cAPI-verified type', () => {
    spec
      .given([])
      .when(draft({ guarantee: { level: 'basic', maxPayoutMicros: null, claimWindowDays: 30 } }))
      .thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'guarantee_terms', reason: expect.stringContaining('cAPI-verified') }] });
  });

  it('refuses a claim window outside the type bounds', () => {
    const { maxDays } = builtin('legal.draft_nda').claimWindow!;
    spec
      .given([])
      .when(draft({ guarantee: { level: 'standard', maxPayoutMicros: null, claimWindowDays: maxDays + 1 } }, 'legal.draft_nda'))
      .thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'guarantee_terms.claim_window_days', reason: expect.stringContaining(`and ${maxDays} days`) }] });
  });

  it('refuses escalation without a hand-off, a required engine that is blocked, and a bid cap above the budget', () => {
    spec
      .given([])
      .when(
        draft({
          escalation: { enabled: true, triggers: [{ type: 'max_attempts', attempts: 3 }], handoff: null, partialBilling: { model: 'none' } },
          executionPreferences: { allowedEngines: [], blockedEngines: ['experimental-*'], preferredEngine: null, requiredEngine: 'experimental-x', capabilityRequirements: [] },
          bidStrategy: { type: 'bid_cap', capMicros: 2_000_000 },
          budget: { amountMicros: 1_000_000, period: 'daily' },
        }),
      )
      .thenRejects({
        fields: [
          { field: 'escalation_policy.handoff', reason: 'is required when escalation is enabled' },
          { field: 'bid_strategy.bid_cap', reason: 'must not exceed the budget amount' },
          { field: 'execution_preferences.required_engine', reason: 'is blocked by blocked_engines' },
        ],
      });
  });
});

describe('configuration: revising', () => {
  it('records only the sections that changed', () => {
    spec
      .given(drafted())
      .when(revise({ systemPrompt: 'Be kind', budget: ready.budget! }))
      .then([{ type: 'ConfigRevised', data: { configId: 'cfg_1', at: now.toISOString(), by: 'key_1', changes: { systemPrompt: 'Be kind' } } }]);
  });

  it('does nothing when nothing changes', () => {
    spec.given(drafted()).when(revise({ budget: ready.budget! })).then([]);
  });

  it('answers another buyer as if the configuration did not exist', () => {
    spec.given(drafted()).when(revise({ systemPrompt: 'x' }, { buyerId: 'buy_2' })).thenRejects({ code: 'NOT_FOUND' });
  });

  it('refuses a stale If-Match version', () => {
    spec.given(drafted()).when(revise({ systemPrompt: 'x' }, { expectedVersion: 7 })).thenRejects({ code: 'VERSION_CONFLICT' });
    expect(spec.given(drafted()).when(revise({ systemPrompt: 'x' }, { expectedVersion: 1 })).events()).toHaveLength(1);
  });

  it('pins the outcome type once launched', () => {
    spec
      .given(history(draft(ready), launch()))
      .when(revise({}, { type: 'code.review' }))
      .thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'outcome_type', reason: expect.stringContaining('pinned') }] });
  });

  it('lets a draft change its type, resetting the type-bound sections to the new defaults', () => {
    const [event] = spec.given(drafted()).when(revise({}, { type: 'code.review' })).events();
    expect(event).toMatchObject({ type: 'ConfigRevised', data: { changes: { outcomeType: { key: 'code.review', version: 1 }, guarantee: { level: 'basic' } } } });
  });

  it('refuses changes to an archived configuration', () => {
    spec.given(history(draft(ready), archive)).when(revise({ systemPrompt: 'x' })).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'status' }] });
  });
});

describe('configuration: lifecycle', () => {
  it('will not launch without a bid strategy and a budget', () => {
    spec
      .given(drafted({}))
      .when(launch())
      .thenRejects({ fields: [{ field: 'bid_strategy', reason: 'is required to launch' }, { field: 'budget', reason: 'is required to launch' }] });
  });

  it('launches with a pricing summary, and launching again changes nothing', () => {
    const [launched] = spec.given(drafted()).when(launch()).events();
    expect(launched).toMatchObject({
      type: 'ConfigLaunched',
      data: { pricing: { ceilingMicros: null, estimatedVolume: { min: 1000, max: 1000, period: 'monthly' }, guaranteePremiumBps: 0 } },
    });
    spec.given(history(draft(ready), launch())).when(launch()).then([]);
  });

  it('pauses only a launched configuration, resumes by launching, archives from any state', () => {
    spec.given(drafted()).when(pause).thenRejects({ code: 'RULE_VIOLATION' });
    const paused = history(draft(ready), launch(), pause);
    expect(spec.given(paused).state).toMatchObject({ status: 'Paused', version: 3 });
    expect(spec.given([...paused, ...spec.given(paused).when(launch()).events()]).state).toMatchObject({ status: 'Launched', launchedAt: now.toISOString() });
    expect(spec.given(history(draft(ready), archive)).state).toMatchObject({ status: 'Archived' });
    spec.given(history(draft(ready), archive)).when(launch()).thenRejects({ code: 'RULE_VIOLATION' });
    spec.given(history(draft(ready), archive)).when(archive).then([]);
  });
});
