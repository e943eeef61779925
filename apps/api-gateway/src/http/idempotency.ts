import { createHash } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { ApiError, ReplayedAnswer } from './api-error';
import { idempotencyScope, principalOf } from './principal';

export const GATEWAY_POOL = Symbol('GATEWAY_POOL');



const KEY = /^[\x21-\x7e]{1,255}$/;
const TTL = "interval '24 hours'";

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
 * claims the key and catches the answer on its way out (`res.json`, which both the route's result
 * and the error filter go through), keeping it before it is sent.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
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
    this.keepAnswer(context.switchToHttp().getResponse<Response>(), scope, header);
    return true;
  }

  /** The answer, success or error, is kept (or, at 500 and above, the key let go) before it is sent. */
  private keepAnswer(res: Response, scope: string, key: string): void {
    const send = res.json.bind(res);
    let kept = false;
    const keep = (body: unknown): Promise<unknown> => {
      kept = true;
      return res.statusCode >= 500
        ? this.pool.query(`DELETE FROM gateway.idempotency_keys WHERE principal = $1 AND key = $2`, [scope, key])
        : this.store(scope, key, res.statusCode, body);
    };
    res.json = (body?: unknown) => {
      if (kept) return send(body);
      void keep(body)
        .catch(() => undefined)
        .finally(() => send(body));
      return res;
    };
    // An answer without a JSON body (a route that returns nothing) is kept as it leaves.
    res.on('finish', () => {
      if (!kept) void keep(null).catch(() => undefined);
    });
  }

  private hash(req: Request): string {
    return createHash('sha256').update(`${req.method} ${req.route?.path ?? req.path}\n${canonical(req.body)}`).digest('hex');
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

  private store(scope: string, key: string, status: number, body: unknown): Promise<unknown> {
    return this.pool.query(`UPDATE gateway.idempotency_keys SET status = 'done', response_status = $3, response_body = $4 WHERE principal = $1 AND key = $2`, [
      scope,
      key,
      status,
      JSON.stringify(body ?? null),
    ]);
  }
}
