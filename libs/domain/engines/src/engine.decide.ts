/**
 * An execution engine (a model plus a harness) as the operator registers it. Its name is what
 * buyers' allowed/blocked patterns match; its transport says how bid requests reach it.
 */
export interface SealedSecret {
  readonly keyId: string;
  readonly ciphertext: string;
}

export type EngineTransport =
  | { readonly type: 'nats' }
  | {
      readonly type: 'webhook';
      readonly endpointUrl: string;
      readonly auth: 'api_key' | 'bearer' | 'basic';
      /** The api key, bearer token, or username and password the gateway presents: sealed. */
      readonly credentials: SealedSecret;
      /** `{ secret }`: the key of the HMAC on every call, shown to the operator once (absent on engines registered before it existed). */
      readonly signingSecret?: SealedSecret;
    };

export interface EngineProfile {
  /** Unique, lowercase: `claude-code`, `gpt-5-devin`. */
  readonly name: string;
  readonly vendor: string;
  readonly model: { readonly name: string; readonly version: string };
  readonly harness: { readonly name: string; readonly version: string };
  readonly outcomeTypes: readonly string[];
  readonly capabilities: readonly string[];
  readonly regions: readonly string[];
  readonly maxConcurrent: number;
  readonly transport: EngineTransport;
}

type Stamp = { readonly engineId: string; readonly at: string; readonly by: string };

export type EngineEvent =
  | { readonly type: 'EngineRegistered'; readonly data: Stamp & { readonly profile: EngineProfile } }
  | { readonly type: 'EngineUpdated'; readonly data: Stamp & { readonly changes: Partial<Omit<EngineProfile, 'name'>> } }
  | { readonly type: 'EngineSuspended'; readonly data: Stamp & { readonly reason: string } }
  | { readonly type: 'EngineReinstated'; readonly data: Stamp }
  /** NATS credentials were minted for the engine: which user key, until when (the secret part never enters an event). */
  | { readonly type: 'EngineCredentialsIssued'; readonly data: Stamp & { readonly userPublicKey: string; readonly expiresAt: string } };

export type EngineState =
  | { readonly status: 'Empty'; readonly version: 0 }
  | {
      readonly status: 'Active' | 'Suspended';
      readonly version: number;
      readonly engineId: string;
      readonly profile: EngineProfile;
      readonly suspendedReason: string | null;
      readonly registeredAt: string;
      readonly updatedAt: string;
    };

export const initialEngineState = (): EngineState => ({ status: 'Empty', version: 0 });

interface Addressed {
  readonly engineId: string;
  readonly by: string;
  readonly now: Date;
}

export type EngineCommand =
  | (Addressed & { readonly type: 'RegisterEngine'; readonly profile: EngineProfile })
  | (Addressed & { readonly type: 'UpdateEngine'; readonly changes: Partial<Omit<EngineProfile, 'name'>>; readonly expectedVersion: number | null })
  | (Addressed & { readonly type: 'SuspendEngine'; readonly reason: string })
  | (Addressed & { readonly type: 'ReinstateEngine' })
  | (Addressed & { readonly type: 'RecordCredentials'; readonly userPublicKey: string; readonly expiresAt: Date });

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

export class EngineRejected extends Error {
  constructor(
    readonly code: 'RULE_VIOLATION' | 'NOT_FOUND' | 'VERSION_CONFLICT' | 'ALREADY_EXISTS',
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'EngineRejected';
  }
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const TYPE_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;

export function profileProblems(p: EngineProfile): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!NAME.test(p.name)) problems.push({ field: 'name', reason: 'must be lowercase letters, digits, dots, dashes or underscores (what buyers’ engine patterns match)' });
  if (p.name.includes('*')) problems.push({ field: 'name', reason: 'must not contain *' });
  if (p.outcomeTypes.length === 0) problems.push({ field: 'outcome_types', reason: 'must name at least one outcome type the engine serves' });
  p.outcomeTypes.forEach((t, i) => TYPE_KEY.test(t) || problems.push({ field: `outcome_types[${i}]`, reason: 'is not an outcome type key' }));
  if (new Set(p.outcomeTypes).size !== p.outcomeTypes.length) problems.push({ field: 'outcome_types', reason: 'lists a type twice' });
  if (!Number.isInteger(p.maxConcurrent) || p.maxConcurrent < 1) problems.push({ field: 'max_concurrent_outcomes', reason: 'must be a whole number of at least 1' });
  if (p.transport.type === 'webhook' && !/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/])/.test(p.transport.endpointUrl)) {
    problems.push({ field: 'transport.endpoint_url', reason: 'must be an https URL (http only to localhost)' });
  }
  return problems;
}

export function decideEngine(command: EngineCommand, state: EngineState): EngineEvent[] {
  const stamp = { engineId: command.engineId, at: command.now.toISOString(), by: command.by };
  if (command.type === 'RegisterEngine') {
    if (state.status !== 'Empty') throw new EngineRejected('ALREADY_EXISTS', `engine ${command.engineId} already exists`);
    const problems = profileProblems(command.profile);
    if (problems.length > 0) throw new EngineRejected('RULE_VIOLATION', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
    return [{ type: 'EngineRegistered', data: { ...stamp, profile: command.profile } }];
  }
  if (state.status === 'Empty') throw new EngineRejected('NOT_FOUND', `engine ${command.engineId} does not exist`);
  switch (command.type) {
    case 'UpdateEngine': {
      if (command.expectedVersion !== null && command.expectedVersion !== state.version) {
        throw new EngineRejected('VERSION_CONFLICT', `engine ${command.engineId} is at version ${state.version}, not ${command.expectedVersion}`);
      }
      const next = { ...state.profile, ...command.changes };
      const problems = profileProblems(next);
      if (problems.length > 0) throw new EngineRejected('RULE_VIOLATION', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems);
      const changes = Object.fromEntries(Object.entries(command.changes).filter(([k, v]) => JSON.stringify(state.profile[k as keyof EngineProfile]) !== JSON.stringify(v)));
      return Object.keys(changes).length === 0 ? [] : [{ type: 'EngineUpdated', data: { ...stamp, changes } }];
    }
    case 'SuspendEngine':
      return state.status === 'Suspended' ? [] : [{ type: 'EngineSuspended', data: { ...stamp, reason: command.reason } }];
    case 'ReinstateEngine':
      return state.status === 'Active' ? [] : [{ type: 'EngineReinstated', data: stamp }];
    case 'RecordCredentials':
      if (state.profile.transport.type !== 'nats') throw new EngineRejected('RULE_VIOLATION', `engine ${command.engineId} is reached by webhook; only NATS engines get NATS credentials`, [{ field: 'transport', reason: 'is webhook' }]);
      if (state.status !== 'Active') throw new EngineRejected('RULE_VIOLATION', `engine ${command.engineId} is suspended`, [{ field: 'status', reason: 'is suspended; reinstate it first' }]);
      return [{ type: 'EngineCredentialsIssued', data: { ...stamp, userPublicKey: command.userPublicKey, expiresAt: command.expiresAt.toISOString() } }];
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveEngine(state: EngineState, event: EngineEvent): EngineState {
  if (event.type === 'EngineRegistered') {
    const { engineId, profile, at } = event.data;
    return { status: 'Active', version: 1, engineId, profile, suspendedReason: null, registeredAt: at, updatedAt: at };
  }
  if (state.status === 'Empty') return state;
  const next = { ...state, version: state.version + 1, updatedAt: event.data.at };
  switch (event.type) {
    case 'EngineUpdated':
      return { ...next, profile: { ...state.profile, ...event.data.changes } };
    case 'EngineSuspended':
      return { ...next, status: 'Suspended', suspendedReason: event.data.reason };
    case 'EngineReinstated':
      return { ...next, status: 'Active', suspendedReason: null };
    case 'EngineCredentialsIssued':
      return next;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** Whether an engine may take a request of this type with these required capabilities. */
export function canServe(state: EngineState, outcomeType: string, capabilities: readonly string[]): boolean {
  return state.status === 'Active' && state.profile.outcomeTypes.includes(outcomeType) && capabilities.every((c) => state.profile.capabilities.includes(c));
}
