import type { Sealer } from '@outcomes/platform';

const PURPOSE = 'engine-callback';

export interface CallbackGrant {
  readonly engineId: string;
  readonly outcomeId: string;
  readonly expiresAt: Date;
}

/**
 * The bearer token a webhook engine reports with: it names the engine and the one outcome it was
 * awarded, with an expiry, signed by the platform. Nothing is stored; any copy of the gateway
 * verifies it, and a token for one outcome says nothing about another.
 */
export function issueCallbackToken(sealer: Sealer, grant: CallbackGrant): string {
  const claims = Buffer.from(`${grant.engineId} ${grant.outcomeId} ${Math.floor(grant.expiresAt.getTime() / 1000)}`).toString('base64url');
  return `${claims}.${sealer.sign(PURPOSE, claims)}`;
}

/** The grant, or why the token is not one. */
export function readCallbackToken(sealer: Sealer, token: string, now: Date): CallbackGrant | { refused: string } {
  const dot = token.indexOf('.');
  if (dot < 1) return { refused: 'is not a callback token' };
  const claims = token.slice(0, dot);
  if (!sealer.verify(PURPOSE, claims, token.slice(dot + 1))) return { refused: 'is not a valid callback token' };
  const [engineId, outcomeId, exp] = Buffer.from(claims, 'base64url').toString('utf8').split(' ');
  const expiresAt = new Date(Number(exp) * 1000);
  if (!engineId || !outcomeId || !(expiresAt.getTime() > now.getTime())) return { refused: 'has expired' };
  return { engineId, outcomeId, expiresAt };
}
