import type { OutcomeTypeDefinition, OutcomeTypeEvent, VerificationModel } from './outcome-type.events';

/** `vertical.action` for the platform's types, `provider.vertical.action` for custom ones. */
const KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;
const VERIFICATIONS: readonly VerificationModel[] = ['capi_verified', 'guarantee_backed'];

export type OutcomeTypeState =
  | { readonly status: 'Empty' }
  | {
      readonly status: 'Published';
      readonly key: string;
      readonly version: number;
      readonly definition: OutcomeTypeDefinition;
      readonly publishedAt: string;
    };

export const initialState = (): OutcomeTypeState => ({ status: 'Empty' });

export interface PublishOutcomeType {
  readonly type: 'PublishOutcomeType';
  readonly key: string;
  readonly definition: OutcomeTypeDefinition;
  readonly now: Date;
}

export type OutcomeTypeCommand = PublishOutcomeType;

export class OutcomeTypeRejected extends Error {
  constructor(
    readonly code: 'INVALID_OUTCOME_TYPE',
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'OutcomeTypeRejected';
  }
}

const same = (a: OutcomeTypeDefinition, b: OutcomeTypeDefinition): boolean =>
  a.name === b.name && a.description === b.description && a.verification === b.verification;

/** Publishing is idempotent; a changed definition is a new version, never an edit of an old one. */
export function decide(command: OutcomeTypeCommand, state: OutcomeTypeState): OutcomeTypeEvent[] {
  switch (command.type) {
    case 'PublishOutcomeType': {
      const { key, definition } = command;
      if (!KEY.test(key)) throw new OutcomeTypeRejected('INVALID_OUTCOME_TYPE', 'key', 'must look like vertical.action or provider.vertical.action');
      if (definition.name.trim() === '') throw new OutcomeTypeRejected('INVALID_OUTCOME_TYPE', 'name', 'must not be empty');
      if (!VERIFICATIONS.includes(definition.verification)) {
        throw new OutcomeTypeRejected('INVALID_OUTCOME_TYPE', 'verification', `must be one of ${VERIFICATIONS.join(', ')}`);
      }
      if (state.status === 'Published' && same(state.definition, definition)) return [];
      const version = state.status === 'Published' ? state.version + 1 : 1;
      return [{ type: 'OutcomeTypePublished', data: { key, version, ...definition, publishedAt: command.now.toISOString() } }];
    }
    default: {
      const unhandled: never = command.type;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolve(state: OutcomeTypeState, event: OutcomeTypeEvent): OutcomeTypeState {
  switch (event.type) {
    case 'OutcomeTypePublished': {
      const { key, version, name, description, verification, publishedAt } = event.data;
      return { status: 'Published', key, version, definition: { name, description, verification }, publishedAt };
    }
    default: {
      const unhandled: never = event.type;
      return unhandled;
    }
  }
}
