import { CatalogRejected } from '../errors';

/** `full`: the whole buyer API; `conversions`: only reporting conversions (for a buyer's backend). */
export type KeyScope = 'full' | 'conversions';

export interface ApiKeyIssued {
  readonly type: 'ApiKeyIssued';
  readonly data: {
    readonly keyId: string;
    readonly buyerId: string;
    readonly scope: KeyScope;
    readonly name: string | null;
    /** SHA-256 of the secret: the secret itself is shown once and never stored. */
    readonly secretHash: string;
    /** The secret's last four characters, so a buyer can tell its keys apart. */
    readonly hint: string;
    readonly issuedAt: string;
    readonly issuedBy: string;
  };
}

export interface ApiKeyRevoked {
  readonly type: 'ApiKeyRevoked';
  readonly data: { readonly keyId: string; readonly buyerId: string; readonly revokedAt: string; readonly revokedBy: string };
}

export type ApiKeyEvent = ApiKeyIssued | ApiKeyRevoked;

export type ApiKeyState =
  | { readonly status: 'Empty' }
  | {
      readonly status: 'Active' | 'Revoked';
      readonly keyId: string;
      readonly buyerId: string;
      readonly scope: KeyScope;
      readonly name: string | null;
      readonly hint: string;
      readonly issuedAt: string;
      readonly revokedAt: string | null;
    };

export const initialApiKeyState = (): ApiKeyState => ({ status: 'Empty' });

export interface IssueApiKey {
  readonly type: 'IssueApiKey';
  readonly keyId: string;
  readonly buyerId: string;
  readonly scope: KeyScope;
  readonly name: string | null;
  readonly secretHash: string;
  readonly hint: string;
  readonly by: string;
  readonly now: Date;
}

export interface RevokeApiKey {
  readonly type: 'RevokeApiKey';
  readonly keyId: string;
  /** The buyer asking: another buyer's key answers exactly like a missing one. */
  readonly buyerId: string;
  readonly by: string;
  readonly now: Date;
}

export type ApiKeyCommand = IssueApiKey | RevokeApiKey;

export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] {
  switch (command.type) {
    case 'IssueApiKey': {
      if (state.status !== 'Empty') throw new CatalogRejected('ALREADY_EXISTS', `api key ${command.keyId} already exists`);
      const { keyId, buyerId, scope, name, secretHash, hint, by, now } = command;
      return [{ type: 'ApiKeyIssued', data: { keyId, buyerId, scope, name, secretHash, hint, issuedAt: now.toISOString(), issuedBy: by } }];
    }
    case 'RevokeApiKey': {
      if (state.status === 'Empty' || state.buyerId !== command.buyerId) throw CatalogRejected.notFound(`api key ${command.keyId}`);
      if (state.status === 'Revoked') return [];
      return [{ type: 'ApiKeyRevoked', data: { keyId: state.keyId, buyerId: state.buyerId, revokedAt: command.now.toISOString(), revokedBy: command.by } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveApiKey(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyIssued': {
      const { keyId, buyerId, scope, name, hint, issuedAt } = event.data;
      return { status: 'Active', keyId, buyerId, scope, name, hint, issuedAt, revokedAt: null };
    }
    case 'ApiKeyRevoked':
      return state.status === 'Empty' ? state : { ...state, status: 'Revoked', revokedAt: event.data.revokedAt };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
