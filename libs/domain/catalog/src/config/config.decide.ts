import { canonicalJson } from '../outcome-type/outcome-type.rules';
import { CatalogRejected } from '../errors';
import type { OutcomeTypeDefinition } from '../outcome-type/outcome-type.events';
import { configProblems, launchProblems, settleClaimWindow, withDefaults } from './config.rules';
import type { ConfigBody, ConfigSections, PinnedType } from './config.types';
import { pricingSummary, type PricingSummary } from './pricing';

interface Stamp {
  readonly configId: string;
  readonly at: string;
  /** Who made the change: an API key id, or `operator`. */
  readonly by: string;
}

export type ConfigEvent =
  | { readonly type: 'ConfigDrafted'; readonly data: Stamp & { readonly buyerId: string; readonly body: ConfigBody } }
  | { readonly type: 'ConfigRevised'; readonly data: Stamp & { readonly changes: ConfigSections & { readonly outcomeType?: PinnedType } } }
  | { readonly type: 'ConfigLaunched'; readonly data: Stamp & { readonly pricing: PricingSummary } }
  | { readonly type: 'ConfigPaused'; readonly data: Stamp }
  | { readonly type: 'ConfigArchived'; readonly data: Stamp };

export type ConfigStatus = 'Draft' | 'Launched' | 'Paused' | 'Archived';

export type ConfigState =
  | { readonly status: 'Empty'; readonly version: 0 }
  | {
      readonly status: ConfigStatus;
      /** Events so far: the version a client names in If-Match. */
      readonly version: number;
      readonly configId: string;
      readonly buyerId: string;
      readonly body: ConfigBody;
      readonly createdAt: string;
      readonly updatedAt: string;
      readonly launchedAt: string | null;
      readonly pricing: PricingSummary | null;
    };

export const initialConfigState = (): ConfigState => ({ status: 'Empty', version: 0 });

/** The outcome type version the command is checked against, loaded by the caller. */
export interface TypeAt {
  readonly pinned: PinnedType;
  readonly definition: OutcomeTypeDefinition;
}

interface Addressed {
  readonly configId: string;
  /** The buyer asking: another buyer's configuration answers exactly like a missing one. */
  readonly buyerId: string;
  readonly by: string;
  readonly now: Date;
}

interface Guarded extends Addressed {
  /** If-Match: the version the client last saw; null to take the newest. */
  readonly expectedVersion: number | null;
}

export type ConfigCommand =
  | (Addressed & { readonly type: 'DraftConfig'; readonly name: string; readonly outcomeType: TypeAt; readonly sections: ConfigSections })
  /** `outcomeType` is the new type when the revision changes it, else the pinned one. */
  | (Guarded & { readonly type: 'ReviseConfig'; readonly sections: ConfigSections; readonly outcomeType: TypeAt })
  | (Guarded & { readonly type: 'LaunchConfig'; readonly outcomeType: TypeAt })
  | (Guarded & { readonly type: 'PauseConfig' })
  | (Guarded & { readonly type: 'ArchiveConfig' });

const checked = (type: TypeAt, body: ConfigBody): void => {
  const problems = configProblems(type.definition, body);
  if (problems.length > 0) throw CatalogRejected.rules(problems);
};

const changedSections = (body: ConfigBody, next: ConfigBody): ConfigSections & { outcomeType?: PinnedType } => {
  const changes: Record<string, unknown> = {};
  for (const k of Object.keys(next) as (keyof ConfigBody)[]) if (canonicalJson(body[k]) !== canonicalJson(next[k])) changes[k] = next[k];
  return changes;
};

const lifecycleRefusal = (action: string, status: ConfigStatus) => CatalogRejected.rule('status', `a configuration cannot be ${action} while ${status.toLowerCase()}`);

export function decideConfig(command: ConfigCommand, state: ConfigState): ConfigEvent[] {
  const stamp = { configId: command.configId, at: command.now.toISOString(), by: command.by };
  if (command.type === 'DraftConfig') {
    if (state.status !== 'Empty') throw new CatalogRejected('ALREADY_EXISTS', `configuration ${command.configId} already exists`);
    const body = withDefaults(command.outcomeType.definition, command.name, command.outcomeType.pinned, command.sections);
    checked(command.outcomeType, body);
    return [{ type: 'ConfigDrafted', data: { ...stamp, buyerId: command.buyerId, body } }];
  }
  if (state.status === 'Empty' || state.buyerId !== command.buyerId) throw CatalogRejected.notFound(`configuration ${command.configId}`);
  if (command.expectedVersion !== null && command.expectedVersion !== state.version) {
    throw CatalogRejected.conflict(`configuration ${command.configId} is at version ${state.version}, not ${command.expectedVersion}`);
  }
  switch (command.type) {
    case 'ReviseConfig': {
      if (state.status === 'Archived') throw lifecycleRefusal('changed', state.status);
      const typeChanged = command.outcomeType.pinned.key !== state.body.outcomeType.key || command.outcomeType.pinned.version !== state.body.outcomeType.version;
      if (typeChanged && state.status !== 'Draft') throw CatalogRejected.rule('outcome_type', 'is pinned once launched; draft a new configuration to change it');
      const next = { ...state.body, ...command.sections, outcomeType: command.outcomeType.pinned };
      // Sections that depend on the type start over when the type changes, unless the revision sets them.
      const rebased = typeChanged
        ? withDefaults(command.outcomeType.definition, next.name, next.outcomeType, { ...next, delivery: command.sections.delivery, guarantee: command.sections.guarantee })
        : settleClaimWindow(command.outcomeType.definition, next);
      checked(command.outcomeType, rebased);
      const changes = changedSections(state.body, rebased);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'ConfigRevised', data: { ...stamp, changes } }];
    }
    case 'LaunchConfig': {
      if (state.status === 'Launched') return [];
      if (state.status === 'Archived') throw lifecycleRefusal('launched', state.status);
      const problems = [...configProblems(command.outcomeType.definition, state.body), ...launchProblems(state.body)];
      if (problems.length > 0) throw CatalogRejected.rules(problems);
      return [{ type: 'ConfigLaunched', data: { ...stamp, pricing: pricingSummary(command.outcomeType.definition, state.body) } }];
    }
    case 'PauseConfig':
      if (state.status === 'Paused') return [];
      if (state.status !== 'Launched') throw lifecycleRefusal('paused', state.status);
      return [{ type: 'ConfigPaused', data: stamp }];
    case 'ArchiveConfig':
      return state.status === 'Archived' ? [] : [{ type: 'ConfigArchived', data: stamp }];
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveConfig(state: ConfigState, event: ConfigEvent): ConfigState {
  if (event.type === 'ConfigDrafted') {
    const { configId, buyerId, body, at } = event.data;
    return { status: 'Draft', version: 1, configId, buyerId, body, createdAt: at, updatedAt: at, launchedAt: null, pricing: null };
  }
  if (state.status === 'Empty') return state;
  const next = { ...state, version: state.version + 1, updatedAt: event.data.at };
  switch (event.type) {
    case 'ConfigRevised':
      return { ...next, body: { ...state.body, ...event.data.changes } };
    case 'ConfigLaunched':
      return { ...next, status: 'Launched', launchedAt: state.launchedAt ?? event.data.at, pricing: event.data.pricing };
    case 'ConfigPaused':
      return { ...next, status: 'Paused' };
    case 'ConfigArchived':
      return { ...next, status: 'Archived' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
