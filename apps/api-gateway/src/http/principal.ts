import type { FastifyRequest } from 'fastify';

/** Who is calling: the operator (by its key from the environment) or a buyer's API key. */
export type Principal = { readonly kind: 'operator' } | { readonly kind: 'buyer'; readonly buyerId: string; readonly keyId: string; readonly scope: 'full' | 'conversions' };

const PRINCIPAL = Symbol('principal');
type WithPrincipal = FastifyRequest & { [PRINCIPAL]?: Principal };

export const setPrincipal = (req: FastifyRequest, p: Principal): void => {
  (req as WithPrincipal)[PRINCIPAL] = p;
};

export const principalOf = (req: FastifyRequest): Principal | undefined => (req as WithPrincipal)[PRINCIPAL];

/** The key a principal's rate limit and idempotency keys belong to. */
export const principalId = (p: Principal): string => (p.kind === 'operator' ? 'operator' : p.keyId);

/** Idempotency keys are a buyer's, whichever of its keys sent them. */
export const idempotencyScope = (p: Principal): string => (p.kind === 'operator' ? 'operator' : p.buyerId);
