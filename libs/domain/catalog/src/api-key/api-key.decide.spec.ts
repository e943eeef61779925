import { deciderSpec } from '@outcomes/testing';
import { decideApiKey, evolveApiKey, initialApiKeyState, type IssueApiKey, type RevokeApiKey } from './api-key.decide';

const spec = deciderSpec({ decide: decideApiKey, evolve: evolveApiKey, initialState: initialApiKeyState });
const now = new Date('2026-11-22T10:00:00Z');
const issue: IssueApiKey = { type: 'IssueApiKey', keyId: 'key_1', buyerId: 'buy_1', scope: 'conversions', name: 'backend', secretHash: 'h', hint: 'abcd', by: 'operator', now };
const revoke: RevokeApiKey = { type: 'RevokeApiKey', keyId: 'key_1', buyerId: 'buy_1', by: 'key_2', now };
const issued = spec.given([]).when(issue).events();

describe('api key', () => {
  it('is issued with its scope and the hash of its secret', () => {
    expect(issued).toEqual([{ type: 'ApiKeyIssued', data: { keyId: 'key_1', buyerId: 'buy_1', scope: 'conversions', name: 'backend', secretHash: 'h', hint: 'abcd', issuedAt: now.toISOString(), issuedBy: 'operator' } }]);
  });

  it('is revoked by its buyer once; revoking again changes nothing', () => {
    spec.given(issued).when(revoke).then([{ type: 'ApiKeyRevoked', data: { keyId: 'key_1', buyerId: 'buy_1', revokedAt: now.toISOString(), revokedBy: 'key_2' } }]);
    const revoked = [...issued, ...spec.given(issued).when(revoke).events()];
    expect(spec.given(revoked).state).toMatchObject({ status: 'Revoked', revokedAt: now.toISOString() });
    spec.given(revoked).when(revoke).then([]);
  });

  it('answers another buyer, or a missing key, as not found', () => {
    spec.given(issued).when({ ...revoke, buyerId: 'buy_2' }).thenRejects({ code: 'NOT_FOUND' });
    spec.given([]).when(revoke).thenRejects({ code: 'NOT_FOUND' });
  });
});
