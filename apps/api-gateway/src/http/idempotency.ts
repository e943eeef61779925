import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { ApiError, ReplayedAnswer } from './api-error';
import { ApiErrorFilter } from './error.filter';
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
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly errors = new ApiErrorFilter();

  constructor(
    @Inject(GATEWAY_POOL) private readonly pool: Pool,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers['idempotency-key'];
    const principal = principalOf(req);
    if (req.method !== 'POST' || header === undefined || !principal) return next.handle();
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new ApiError('validation_failed', 'Idempotency-Key must be 1 to 255 printable characters', [{ field: 'Idempotency-Key', reason: 'must be 1 to 255 printable ASCII characters' }]);
    }
    // Nest sets the route's status only when it writes the answer, after this interceptor.
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    return from(this.run(idempotencyScope(principal), header, this.hash(req), status, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }

  private hash(req: Request): string {
    return createHash('sha256').update(`${req.method} ${req.route?.path ?? req.path}\n${canonical(req.body)}`).digest('hex');
  }

  private async run(scope: string, key: string, hash: string, status: number, handle: () => Promise<unknown>): Promise<unknown> {
    const claimed = await this.pool.query(
      `INSERT INTO gateway.idempotency_keys (principal, key, request_hash, status, created_at) VALUES ($1, $2, $3, 'in_progress', now())
       ON CONFLICT (principal, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 'in_progress', response_status = NULL, response_body = NULL, created_at = now()
       WHERE gateway.idempotency_keys.created_at < now() - ${TTL}
       RETURNING 1`,
      [scope, key, hash],
    );
    if (claimed.rowCount === 0) return this.replay(scope, key, hash);
    try {
      const body = await handle();
      await this.store(scope, key, status, body);
      return body;
    } catch (err) {
      const failed = this.errors.toApiError(err);
      if (failed.status >= 500) await this.pool.query(`DELETE FROM gateway.idempotency_keys WHERE principal = $1 AND key = $2`, [scope, key]);
      else await this.store(scope, key, failed.status, failed.body());
      throw err;
    } finally {
      if (Math.random() < 0.01) void this.pool.query(`DELETE FROM gateway.idempotency_keys WHERE created_at < now() - ${TTL}`).catch(() => undefined);
    }
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
