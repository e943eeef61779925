import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import { principalId, principalOf } from './principal';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');

export interface RateLimitOptions {
  readonly perSecond: number;
  readonly burst: number;
  /** For tests: a clock in milliseconds. */
  readonly now?: () => number;
}

const MAX_KEYS = 100_000;

/**
 * GCRA (a token bucket kept as one timestamp per key): each key may send `burst` requests at once,
 * then `perSecond`. Kept in this process: with N gateway replicas a key gets up to N times the rate,
 * a trade taken to keep every request free of a shared round trip.
 */
export class RateLimiter {
  private readonly tat = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly now: () => number;

  constructor(readonly options: RateLimitOptions) {
    this.intervalMs = 1000 / options.perSecond;
    this.toleranceMs = this.intervalMs * (options.burst - 1);
    this.now = options.now ?? Date.now;
  }

  /** Takes one request from `key`'s allowance: how many are left, or how long to wait. */
  take(key: string): { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    const tat = Math.max(this.tat.get(key) ?? now, now);
    const allowAt = tat - this.toleranceMs;
    if (now < allowAt) return { allowed: false, retryAfterMs: allowAt - now };
    const next = tat + this.intervalMs;
    this.tat.delete(key);
    this.tat.set(key, next);
    if (this.tat.size > MAX_KEYS) this.evictIdle(now);
    return { allowed: true, remaining: Math.floor((this.toleranceMs - (next - now)) / this.intervalMs) + 1 };
  }

  /** Keys whose bucket has refilled hold no information; the map is in insertion (least recent) order. */
  private evictIdle(now: number): void {
    for (const [key, tat] of this.tat) {
      if (this.tat.size <= MAX_KEYS * 0.9) break;
      if (tat <= now || this.tat.size > MAX_KEYS) this.tat.delete(key);
    }
  }
}

/** Runs after the auth guard: limits each key (or the operator); unauthenticated routes pass. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(@Inject(RATE_LIMIT_OPTIONS) options: RateLimitOptions) {
    this.limiter = new RateLimiter(options);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const principal = principalOf(http.getRequest<FastifyRequest>());
    if (!principal) return true;
    const reply = http.getResponse<FastifyReply>();
    const verdict = this.limiter.take(principalId(principal));
    reply.header('X-RateLimit-Limit', String(this.limiter.options.perSecond));
    if (verdict.allowed) {
      reply.header('X-RateLimit-Remaining', String(Math.max(0, verdict.remaining)));
      return true;
    }
    const retryAfter = String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)));
    throw new ApiError('rate_limited', `too many requests for this key; retry after ${retryAfter} s`, undefined, { 'retry-after': retryAfter, 'x-ratelimit-remaining': '0' });
  }
}
