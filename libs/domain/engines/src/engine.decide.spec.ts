import { deciderSpec } from '@outcomes/testing';
import { canServe, decideEngine, evolveEngine, initialEngineState, type EngineCommand, type EngineProfile } from './engine.decide';

const spec = deciderSpec({ decide: decideEngine, evolve: evolveEngine, initialState: initialEngineState });
const now = new Date('2026-11-22T10:00:00Z');
const profile: EngineProfile = {
  name: 'claude-code',
  vendor: 'Anthropic',
  model: { name: 'claude', version: '4' },
  harness: { name: 'claude-code', version: '2.1' },
  outcomeTypes: ['code.review', 'code.fix'],
  capabilities: ['code_execution'],
  regions: ['us'],
  maxConcurrent: 50,
  transport: { type: 'nats' },
};
const at = { engineId: 'eng_1', by: 'operator', now };
const register: EngineCommand = { type: 'RegisterEngine', ...at, profile };
const registered = spec.given([]).when(register).events();

describe('engine', () => {
  it('registers with its profile, once', () => {
    expect(registered).toEqual([{ type: 'EngineRegistered', data: { engineId: 'eng_1', at: now.toISOString(), by: 'operator', profile } }]);
    spec.given(registered).when(register).thenRejects({ code: 'ALREADY_EXISTS' });
  });

  it('refuses a profile that breaks the rules, naming every field', () => {
    spec
      .given([])
      .when({ ...register, profile: { ...profile, name: 'Claude Code', outcomeTypes: [], maxConcurrent: 0, transport: { type: 'webhook', endpointUrl: 'http://x', auth: 'bearer', credentials: { keyId: 'k', ciphertext: 'c' } } } })
      .thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'name' }, { field: 'outcome_types' }, { field: 'max_concurrent_outcomes' }, { field: 'transport.endpoint_url' }] });
  });

  it('records only what an update changes, and refuses a stale version', () => {
    spec.given(registered).when({ type: 'UpdateEngine', ...at, expectedVersion: 1, changes: { maxConcurrent: 80, regions: ['us'] } }).then([
      { type: 'EngineUpdated', data: { engineId: 'eng_1', at: now.toISOString(), by: 'operator', changes: { maxConcurrent: 80 } } },
    ]);
    spec.given(registered).when({ type: 'UpdateEngine', ...at, expectedVersion: 4, changes: { maxConcurrent: 80 } }).thenRejects({ code: 'VERSION_CONFLICT' });
    spec.given([]).when({ type: 'UpdateEngine', ...at, expectedVersion: null, changes: {} }).thenRejects({ code: 'NOT_FOUND' });
  });

  it('serves its types and capabilities only while active', () => {
    const active = spec.given(registered).state;
    expect(canServe(active, 'code.review', ['code_execution'])).toBe(true);
    expect(canServe(active, 'code.review', ['web_browsing'])).toBe(false);
    expect(canServe(active, 'legal.review', [])).toBe(false);
    const suspendedEvents = [...registered, ...spec.given(registered).when({ type: 'SuspendEngine', ...at, reason: 'abuse' }).events()];
    const suspended = spec.given(suspendedEvents).state;
    expect(suspended).toMatchObject({ status: 'Suspended', suspendedReason: 'abuse' });
    expect(canServe(suspended, 'code.review', [])).toBe(false);
    spec.given(suspendedEvents).when({ type: 'SuspendEngine', ...at, reason: 'again' }).then([]);
    expect(spec.given([...suspendedEvents, ...spec.given(suspendedEvents).when({ type: 'ReinstateEngine', ...at }).events()]).state).toMatchObject({ status: 'Active' });
  });

  it('records NATS credentials for an active NATS engine only', () => {
    const expiresAt = new Date('2026-12-22T10:00:00Z');
    const issue: EngineCommand = { type: 'RecordCredentials', ...at, userPublicKey: 'UABC', expiresAt };
    spec.given(registered).when(issue).then([{ type: 'EngineCredentialsIssued', data: { engineId: 'eng_1', at: now.toISOString(), by: 'operator', userPublicKey: 'UABC', expiresAt: expiresAt.toISOString() } }]);
    const suspended = [...registered, { type: 'EngineSuspended' as const, data: { engineId: 'eng_1', at: now.toISOString(), by: 'operator', reason: 'x' } }];
    spec.given(suspended).when(issue).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'status' }] });
    const hooked = spec.given([]).when({ ...register, profile: { ...profile, transport: { type: 'webhook', endpointUrl: 'https://e.example', auth: 'bearer', credentials: { keyId: 'k', ciphertext: 'c' } } } }).events();
    spec.given(hooked).when(issue).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'transport' }] });
  });
});
