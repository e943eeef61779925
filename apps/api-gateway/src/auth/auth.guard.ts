import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CommandFailedError, decodeJson } from '@outcomes/bus';
import { CATALOG_COMMANDS, CHANGE_NOTICES, type AuthenticatedKey } from '@outcomes/contracts';
import { ExpiringCache, type ServiceRuntime } from '@outcomes/platform';
import type { Subscription } from '@nats-io/nats-core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import { setPrincipal, type Principal } from '../http/principal';
import { ServiceClient } from '../service.client';
import { ACCESS, type Access } from './access';
import { GATEWAY_CONFIG, GATEWAY_RUNTIME, type GatewaySettings } from '../tokens';

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Every route needs a key (`Authorization: Bearer <key>`) unless it is public. The operator key
 * comes from the environment; buyers' keys are looked up by their hash through the catalog and
 * kept for a few seconds. A revoked key stops working at once: the catalog's revocation notice
 * drops it here (and should the notice be lost, the time limit does).
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleDestroy {
  private readonly operatorDigest: Buffer | undefined;
  private readonly keys = new ExpiringCache<string, AuthenticatedKey>(5_000);
  private readonly revocations: Subscription;

  constructor(
    private readonly reflector: Reflector,
    private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) config: GatewaySettings,
    @Inject(GATEWAY_RUNTIME) rt: ServiceRuntime,
  ) {
    this.operatorDigest = config.operatorKey ? sha256(config.operatorKey) : undefined;
    this.revocations = rt.bus.nc.subscribe(rt.bus.subject(CHANGE_NOTICES.apiKeyRevoked), {
      callback: (err, msg) => {
        if (err) return;
        const { key_id: keyId } = decodeJson<{ key_id: string }>(msg.data);
        this.keys.deleteWhere((_digest, key) => key.key_id === keyId);
      },
    });
  }

  onModuleDestroy(): void {
    this.revocations.unsubscribe();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'buyer';
    if (access === 'public') return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.identify(req.headers.authorization);
    if (access === 'operator' && principal.kind !== 'operator') throw new ApiError('forbidden', 'this route takes the operator key');
    if ((access === 'buyer' || access === 'conversions') && principal.kind === 'operator') throw new ApiError('forbidden', "this route takes a buyer's API key");
    if (access === 'buyer' && principal.kind === 'buyer' && principal.scope !== 'full') {
      throw new ApiError('forbidden', `this key's scope is ${principal.scope}; the route needs a full-scope key`);
    }
    setPrincipal(req, principal);
    return true;
  }

  private async identify(header: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new ApiError('unauthenticated', 'send an API key as "Authorization: Bearer <key>"');
    const digest = sha256(match[1]!);
    if (this.operatorDigest && timingSafeEqual(digest, this.operatorDigest)) return { kind: 'operator' };
    try {
      const hash = digest.toString('hex');
      const key = await this.keys.get(hash, () => this.services.request<AuthenticatedKey>(CATALOG_COMMANDS.authenticate, { secret_hash: hash }));
      return { kind: 'buyer', buyerId: key.buyer_id, keyId: key.key_id, scope: key.scope };
    } catch (err) {
      if (err instanceof CommandFailedError && err.code === 'NOT_FOUND') throw new ApiError('unauthenticated', 'this API key is not valid (unknown or revoked)');
      throw err;
    }
  }
}
