import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { decodeJson, encodeJson } from '@outcomes/bus';
import { ENGINE_SUBJECTS, type CredentialRef, type RedeemCredentialResponse } from '@outcomes/contracts';
import type { Subscription } from '@nats-io/nats-core';
import { RUNTIME, SEALER, type CatalogRuntime, type Sealer } from '../runtime.token';
import { ConfigsService } from './configs.service';

const PURPOSE = 'credential-ref';

interface Claims {
  /** engine, outcome, buyer, configuration, context source, expiry (unix seconds) */
  readonly e: string;
  readonly o: string;
  readonly b: string;
  readonly c: string;
  readonly s: string;
  readonly x: number;
}

/**
 * Short-lived references to a configuration's context-source credentials. An award carries a
 * reference per source in place of the credentials; the awarded engine redeems it on its own
 * `cred.<engine id>.redeem` subject, which only it may publish to, so a reference that leaks is
 * useless to anyone else, and useless to it once expired. Nothing is stored: a reference is a
 * signed claim, and redemption opens the source's current (sealed) credentials.
 */
@Injectable()
export class CredentialRefs implements OnModuleInit, OnModuleDestroy {
  private sub?: Subscription;

  constructor(
    @Inject(RUNTIME) private readonly rt: CatalogRuntime,
    @Inject(SEALER) private readonly sealer: Sealer,
    private readonly configs: ConfigsService,
  ) {}

  async issue(buyerId: string, configId: string, engineId: string, outcomeId: string, ttlSeconds: number, now = new Date()): Promise<Record<string, CredentialRef>> {
    const config = await this.configs.get(buyerId, configId);
    const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
    const refs: Record<string, CredentialRef> = {};
    for (const source of config.body.contextSources) {
      if (source.credentials === null) continue;
      const claims = Buffer.from(JSON.stringify({ e: engineId, o: outcomeId, b: buyerId, c: configId, s: source.name, x: exp } satisfies Claims)).toString('base64url');
      refs[source.name] = { ref: `cref_${claims}.${this.sealer.sign(PURPOSE, claims)}`, expires_at: new Date(exp * 1000).toISOString() };
    }
    return refs;
  }

  /** The credentials behind `ref`, for engine `engineId` (whom NATS vouches for by the subject it could publish on). */
  async redeem(engineId: string, ref: string, now = new Date()): Promise<RedeemCredentialResponse> {
    const m = /^cref_([A-Za-z0-9_-]+)\.(.+)$/.exec(ref);
    if (!m || !this.sealer.verify(PURPOSE, m[1]!, m[2]!)) return { error: 'not a credential reference' };
    const claims = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as Claims;
    if (claims.e !== engineId) return { error: 'this reference was issued to another engine' };
    if (claims.x * 1000 <= now.getTime()) return { error: 'this reference has expired' };
    const config = await this.configs.get(claims.b, claims.c).catch(() => null);
    const source = config?.body.contextSources.find((s) => s.name === claims.s);
    if (!source?.credentials) return { error: 'the context source no longer has credentials' };
    this.rt.logger.info({ engineId, outcomeId: claims.o, configId: claims.c, source: claims.s }, 'credential reference redeemed');
    return { credentials: this.sealer.unseal(source.credentials) };
  }

  onModuleInit(): void {
    const prefix = this.rt.bus.subject('');
    this.sub = this.rt.bus.nc.subscribe(this.rt.bus.subject(ENGINE_SUBJECTS.allRedeemCredential), {
      queue: 'catalog',
      callback: (err, msg) => {
        if (err) return;
        const engineId = msg.subject.slice(prefix.length).split('.')[1]!;
        const { ref } = decodeJson<{ ref?: unknown }>(msg.data);
        void this.redeem(engineId, typeof ref === 'string' ? ref : '')
          .catch((e: unknown) => {
            this.rt.logger.error({ engineId, err: String(e) }, 'could not redeem a credential reference');
            return { error: 'the catalog could not redeem it now; try again' };
          })
          .then((answer) => msg.respond(encodeJson(answer)));
      },
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }
}
