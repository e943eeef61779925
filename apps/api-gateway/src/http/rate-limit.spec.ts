import { RateLimiter } from './rate-limit';

describe('RateLimiter (GCRA)', () => {
  it('allows the burst at once, then the sustained rate, and says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: () => now });
    const first = [limiter.take('k'), limiter.take('k'), limiter.take('k')];
    expect(first.map((v) => v.allowed)).toEqual([true, true, true]);
    expect(first.map((v) => (v.allowed ? v.remaining : -1))).toEqual([2, 1, 0]);
    const refused = limiter.take('k');
    expect(refused).toEqual({ allowed: false, retryAfterMs: 500 });
    now += 500;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    now += 10_000;
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k'), limiter.take('k')].map((v) => v.allowed)).toEqual([true, true, true, false]);
  });

  it('keeps a separate allowance per key', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now: () => 0 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });
});
