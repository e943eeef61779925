import { encodeJson } from '@outcomes/bus';
import { CHANGE_NOTICES } from '@outcomes/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newId, type AuthenticatedKey } from '@outcomes/contracts';
import {
  CatalogRejected,
  decideApiKey,
  decideBuyer,
  evolveApiKey,
  evolveBuyer,
  initialApiKeyState,
  initialBuyerState,
  type ApiKeyEvent,
  type ApiKeyState,
  type BuyerEvent,
  type BuyerState,
  type KeyScope,
} from '@outcomes/domain-catalog';
import type { AggregateKind } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import { AGGREGATES, RUNTIME, type Aggregates, type CatalogRuntime } from '../runtime.token';

export const buyers: AggregateKind<BuyerState, BuyerEvent> = { category: 'buyer', initialState: initialBuyerState, evolve: evolveBuyer };
export const apiKeys: AggregateKind<ApiKeyState, ApiKeyEvent> = { category: 'apiKey', initialState: initialApiKeyState, evolve: evolveApiKey };

export interface KeyRow {
  readonly key_id: string;
  readonly scope: KeyScope;
  readonly name: string | null;
  readonly hint: string;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
  readonly last_used_at: Date | null;
}

export interface BuyerRow {
  readonly buyer_id: string;
  readonly name: string;
  readonly email: string | null;
  readonly created_at: Date;
}

/** A new key's secret: shown once, stored only as its SHA-256. 256 random bits need no slow hash. */
const newSecret = (): string => `osk_${randomBytes(32).toString('base64url')}`;
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const projectKey = async (tx: PoolClient, events: readonly ApiKeyEvent[]): Promise<void> => {
  for (const e of events) {
    if (e.type === 'ApiKeyIssued') {
      const d = e.data;
      await tx.query(
        `INSERT INTO catalog.api_keys (key_id, buyer_id, scope, name, hint, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [d.keyId, d.buyerId, d.scope, d.name, d.hint, d.secretHash, d.issuedAt],
      );
    } else {
      await tx.query(`UPDATE catalog.api_keys SET revoked_at = $2 WHERE key_id = $1`, [e.data.keyId, e.data.revokedAt]);
    }
  }
};

const projectBuyer = async (tx: PoolClient, events: readonly BuyerEvent[]): Promise<void> => {
  for (const { data } of events) {
    await tx.query(`INSERT INTO catalog.buyers (buyer_id, name, email, created_at) VALUES ($1, $2, $3, $4)`, [data.buyerId, data.name, data.email, data.createdAt]);
  }
};

@Injectable()
export class BuyersService {
  constructor(
    @Inject(RUNTIME) private readonly rt: CatalogRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
  ) {}

  /** A buyer and its first full-scope key. */
  async create(name: string, email: string | null, actor: string): Promise<{ buyer: BuyerRow; key: KeyRow; secret: string }> {
    const buyerId = newId('buy');
    await this.aggregates.execute(buyers, buyerId, (s) => decideBuyer({ type: 'CreateBuyer', buyerId, name, email, by: actor, now: new Date() }, s), {
      actor,
      project: projectBuyer,
    });
    const issued = await this.issue(buyerId, 'full', 'first key', actor);
    return { buyer: await this.buyer(buyerId), ...issued };
  }

  async issue(buyerId: string, scope: KeyScope, name: string | null, actor: string): Promise<{ key: KeyRow; secret: string }> {
    await this.buyer(buyerId);
    const keyId = newId('key');
    const secret = newSecret();
    const command = { type: 'IssueApiKey', keyId, buyerId, scope, name, secretHash: hashSecret(secret), hint: secret.slice(-4), by: actor, now: new Date() } as const;
    await this.aggregates.execute(apiKeys, keyId, (s) => decideApiKey(command, s), { actor, project: projectKey });
    return { key: await this.key(buyerId, keyId), secret };
  }

  async revoke(buyerId: string, keyId: string, actor: string): Promise<KeyRow> {
    await this.aggregates.execute(apiKeys, keyId, (s) => decideApiKey({ type: 'RevokeApiKey', keyId, buyerId, by: actor, now: new Date() }, s), {
      actor,
      project: projectKey,
    });
    // Gateways that keep authenticated keys drop this one now (and every few seconds regardless).
    this.rt.bus.nc.publish(this.rt.bus.subject(CHANGE_NOTICES.apiKeyRevoked), encodeJson({ key_id: keyId }));
    await this.rt.bus.nc.flush();
    return this.key(buyerId, keyId);
  }

  async list(buyerId: string, limit: number, after: string | undefined): Promise<{ rows: KeyRow[]; hasMore: boolean }> {
    const { rows } = await this.rt.pool.query<KeyRow>(
      `SELECT k.key_id, k.scope, k.name, k.hint, k.created_at, k.revoked_at, u.last_used_at
         FROM catalog.api_keys k LEFT JOIN catalog.api_key_usage u USING (key_id)
        WHERE k.buyer_id = $1 AND ($2::text IS NULL OR k.key_id < $2)
        ORDER BY k.key_id DESC LIMIT $3`,
      [buyerId, after ?? null, limit + 1],
    );
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /**
   * The live key with this secret hash, in one round trip that also notes its use (at most once a
   * minute per key, so a busy key does not turn every request into a write).
   */
  async authenticate(secretHash: string): Promise<AuthenticatedKey> {
    const { rows } = await this.rt.pool.query<AuthenticatedKey>(
      `WITH k AS (SELECT key_id, buyer_id, scope FROM catalog.api_keys WHERE secret_hash = $1 AND revoked_at IS NULL),
            u AS (INSERT INTO catalog.api_key_usage (key_id, last_used_at) SELECT key_id, now() FROM k
                  ON CONFLICT (key_id) DO UPDATE SET last_used_at = EXCLUDED.last_used_at
                  WHERE catalog.api_key_usage.last_used_at < EXCLUDED.last_used_at - interval '1 minute')
       SELECT key_id, buyer_id, scope FROM k`,
      [secretHash],
    );
    const found = rows[0];
    if (!found) throw new CatalogRejected('NOT_FOUND', 'no live API key has this secret');
    return found;
  }

  private async buyer(buyerId: string): Promise<BuyerRow> {
    const { rows } = await this.rt.pool.query<BuyerRow>(`SELECT buyer_id, name, email, created_at FROM catalog.buyers WHERE buyer_id = $1`, [buyerId]);
    if (!rows[0]) throw CatalogRejected.notFound(`buyer ${buyerId}`);
    return rows[0];
  }

  private async key(buyerId: string, keyId: string): Promise<KeyRow> {
    const { rows } = await this.rt.pool.query<KeyRow>(
      `SELECT k.key_id, k.scope, k.name, k.hint, k.created_at, k.revoked_at, u.last_used_at
         FROM catalog.api_keys k LEFT JOIN catalog.api_key_usage u USING (key_id) WHERE k.key_id = $1 AND k.buyer_id = $2`,
      [keyId, buyerId],
    );
    if (!rows[0]) throw CatalogRejected.notFound(`api key ${keyId}`);
    return rows[0];
  }
}
