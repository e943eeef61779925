import { CatalogRejected } from '../errors';
import type { OutcomeTypeDefinition, OutcomeTypeEvent } from './outcome-type.events';
import { canonicalJson, validateDefinition } from './outcome-type.rules';

/** Platform types are `vertical.action`; operators register `provider.vertical.action`. */
const isCustomKey = (key: string): boolean => key.split('.').length === 3;

export type OutcomeTypeState =
  | { readonly status: 'Empty' }
  | {
      readonly status: 'Published';
      readonly key: string;
      readonly version: number;
      readonly origin: 'platform' | 'operator';
      readonly definition: OutcomeTypeDefinition;
      readonly publishedAt: string;
      /** Every published version, oldest first: configurations pin one. */
      readonly versions: readonly { readonly version: number; readonly definition: OutcomeTypeDefinition; readonly publishedAt: string }[];
    };

export const initialState = (): OutcomeTypeState => ({ status: 'Empty' });

/** The platform's taxonomy, published at start: idempotent, a changed definition is a new version. */
export interface PublishPlatformType {
  readonly type: 'PublishPlatformType';
  readonly key: string;
  readonly definition: OutcomeTypeDefinition;
  readonly now: Date;
}

/** An operator's custom type, version 1. */
export interface RegisterCustomType {
  readonly type: 'RegisterCustomType';
  readonly key: string;
  readonly definition: OutcomeTypeDefinition;
  readonly by: string;
  readonly now: Date;
}

/** A new version of an operator's custom type; published versions never change. */
export interface ReviseCustomType {
  readonly type: 'ReviseCustomType';
  readonly key: string;
  readonly definition: OutcomeTypeDefinition;
  readonly expectedVersion: number | null;
  readonly by: string;
  readonly now: Date;
}

export type OutcomeTypeCommand = PublishPlatformType | RegisterCustomType | ReviseCustomType;

const checked = (key: string, definition: OutcomeTypeDefinition): void => {
  const problems = validateDefinition(key, definition);
  if (problems.length > 0) throw CatalogRejected.rules(problems);
};

const published = (
  key: string,
  definition: OutcomeTypeDefinition,
  state: OutcomeTypeState,
  origin: 'platform' | 'operator',
  by: string,
  now: Date,
): OutcomeTypeEvent[] => {
  if (state.status === 'Published' && canonicalJson(state.definition) === canonicalJson(definition)) return [];
  const version = state.status === 'Published' ? state.version + 1 : 1;
  return [{ type: 'OutcomeTypePublished', data: { key, version, origin, ...definition, publishedAt: now.toISOString(), publishedBy: by } }];
};

export function decide(command: OutcomeTypeCommand, state: OutcomeTypeState): OutcomeTypeEvent[] {
  const { key, definition } = command;
  checked(key, definition);
  switch (command.type) {
    case 'PublishPlatformType':
      if (isCustomKey(key)) throw CatalogRejected.rule('key', 'platform types are named vertical.action');
      return published(key, definition, state, 'platform', 'platform', command.now);
    case 'RegisterCustomType':
      if (!isCustomKey(key)) throw CatalogRejected.rule('key', 'custom types are named provider.vertical.action; vertical.action names are reserved for the platform');
      if (state.status === 'Published') throw new CatalogRejected('ALREADY_EXISTS', `outcome type ${key} already exists; publish a revision instead`, [{ field: 'key', reason: 'already exists' }]);
      return published(key, definition, state, 'operator', command.by, command.now);
    case 'ReviseCustomType':
      if (state.status === 'Empty') throw CatalogRejected.notFound(`outcome type ${key}`);
      if (state.origin !== 'operator') throw CatalogRejected.rule('key', 'platform types are revised by platform releases, not by operators');
      if (command.expectedVersion !== null && command.expectedVersion !== state.version) {
        throw CatalogRejected.conflict(`outcome type ${key} is at version ${state.version}, not ${command.expectedVersion}`);
      }
      return published(key, definition, state, 'operator', command.by, command.now);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolve(state: OutcomeTypeState, event: OutcomeTypeEvent): OutcomeTypeState {
  switch (event.type) {
    case 'OutcomeTypePublished': {
      const { key, version, origin, publishedAt, publishedBy: _by, ...definition } = event.data;
      const versions = [...(state.status === 'Published' ? state.versions : []), { version, definition, publishedAt }];
      return { status: 'Published', key, version, origin, definition, publishedAt, versions };
    }
    default: {
      const unhandled: never = event.type;
      return unhandled;
    }
  }
}

/** The definition a configuration pins: a given version, or the newest. */
export function definitionAt(state: OutcomeTypeState, version: number | null): { version: number; definition: OutcomeTypeDefinition } | undefined {
  if (state.status === 'Empty') return undefined;
  if (version === null) return { version: state.version, definition: state.definition };
  return state.versions.find((v) => v.version === version);
}
