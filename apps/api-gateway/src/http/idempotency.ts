import { createHash } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { ApiError, ReplayedAnswer } from './api-error';
import { idempotencyScope, principalOf } from './principal';

export const GATEWAY_POOL = Symbol('GATEWAY_POOL');

const KEY = /^[\x21-\x7e]{1,255}$/;
const TTL = "interval '24 hours'";

/** What the guard leaves a request that claimed a key: keeps its answer (see `keepClaimedAnswer`). */
const KEEPER = Symbol('idempotency keeper');
type Claimed = FastifyRequest & { [KEEPER]?: (status: number, json: string) => Promise<unknown> };

const canonical = (v: unknown): string =>
  JSON.stringify(v ?? null, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/**
 * `Idempotency-Key` on a POST: the first request runs and its answer is kept for 24 hours; a retry
 * with the same key and body gets that answer again, a different body 422, and a retry while the
 * first still runs 409. Answers of 500 and above are not kept, so a retry runs again.
 *
 * A guard, the last one, rather than an interceptor: any interceptor makes Nest wrap every request
 * of the app in `AsyncResource.bind` and an rxjs chain, about 100 µs of CPU per request on this
 * machine whether or not the request carries a key (docs/benchmarks.md, "Sixth round"). The guard
 * claims the key and leaves the request a keeper, which `keepClaimedAnswer` (an `onSend` hook, that
 * both the route's result and the error filter's answer pass) runs before the answer is sent.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers['idempotency-key'];
    const principal = principalOf(req);
    if (req.method !== 'POST' || header === undefined || !principal) return true;
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new ApiError('validation_failed', 'Idempotency-Key must be 1 to 255 printable characters', [{ field: 'Idempotency-Key', reason: 'must be 1 to 255 printable ASCII characters' }]);
    }
    const scope = idempotencyScope(principal);
    const hash = this.hash(req);
    const claimed = await this.pool.query(
      `INSERT INTO gateway.idempotency_keys (principal, key, request_hash, status, created_at) VALUES ($1, $2, $3, 'in_progress', now())
       ON CONFLICT (principal, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 'in_progress', response_status = NULL, response_body = NULL, created_at = now()
       WHERE gateway.idempotency_keys.created_at < now() - ${TTL}
       RETURNING 1`,
      [scope, header, hash],
    );
    if (claimed.rowCount === 0) return this.replay(scope, header, hash);
    if (Math.random() < 0.01) void this.pool.query(`DELETE FROM gateway.idempotency_keys WHERE created_at < now() - ${TTL}`).catch(() => undefined);
    (req as Claimed)[KEEPER] = (status, json) =>
      status >= 500 ? this.pool.query(`DELETE FROM gateway.idempotency_keys WHERE principal = $1 AND key = $2`, [scope, header]) : this.store(scope, header, status, json);
    return true;
  }

  /** The route's pattern (`/v1/configs/:id/launch`), not the path, as on Express. */
  private hash(req: FastifyRequest): string {
    const route = req.routeOptions.url ?? req.url.split('?')[0];
    return createHash('sha256').update(`${req.method} ${route}\n${canonical(req.body)}`).digest('hex');
  }

  private async replay(scope: string, key: string, hash: string): Promise<never> {
    const { rows } = await this.pool.query<{ request_hash: string; status: string; response_status: number; response_body: unknown }>(
      `SELECT request_hash, status, response_status, response_body FROM gateway.idempotency_keys WHERE principal = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    if (!row) throw new ApiError('idempotency_in_progress', 'a request with this Idempotency-Key just finished; retry');
    if (row.request_hash !== hash) throw new ApiError('idempotency_key_reused', 'this Idempotency-Key was used with a different request', [{ field: 'Idempotency-Key', reason: 'was used with another body or route' }]);
    if (row.status !== 'done') throw new ApiError('idempotency_in_progress', 'a request with this Idempotency-Key is still running; retry shortly', undefined, { 'retry-after': '1' });
    throw new ReplayedAnswer(row.response_status, row.response_body);
  }

  /** `json`: the answer as sent, already JSON. */
  private store(scope: string, key: string, status: number, json: string): Promise<unknown> {
    return this.pool.query(`UPDATE gateway.idempotency_keys SET status = 'done', response_status = $3, response_body = $4 WHERE principal = $1 AND key = $2`, [scope, key, status, json]);
  }
}

/**
 * An `onSend` hook (see `createGatewayApp`): the answer to a request that claimed an
 * Idempotency-Key, success or error, is kept (or, at 500 and above, the key let go) before it is
 * sent. `payload` is the serialized body; an answer without one is kept as `null`.
 */
export async function keepClaimedAnswer(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const keep = (req as Claimed)[KEEPER];
  if (keep) await keep(reply.statusCode, typeof payload === 'string' && payload !== '' ? payload : 'null').catch(() => undefined);
  return payload;
}
