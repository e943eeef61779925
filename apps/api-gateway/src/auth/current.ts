import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../http/principal';

export interface BuyerCaller {
  readonly buyerId: string;
  /** The key the buyer called with: recorded as who made each change. */
  readonly actor: string;
}

/** The calling buyer, as the auth guard identified it. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): BuyerCaller => {
  const principal = principalOf(ctx.switchToHttp().getRequest<FastifyRequest>());
  if (principal?.kind !== 'buyer') throw new Error('Caller used on a route without a buyer principal');
  return { buyerId: principal.buyerId, actor: principal.keyId };
});
