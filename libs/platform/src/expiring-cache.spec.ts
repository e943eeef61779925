import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  it('answers from memory until the time limit, then loads again', async () => {
    let t = 0;
    let loads = 0;
    const cache = new ExpiringCache<string, number>(100, 10, () => t);
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    t = 99;
    expect(await cache.get('a', load)).toBe(1);
    t = 100;
    expect(await cache.get('a', load)).toBe(2);
  });

  it('shares one load among concurrent misses', async () => {
    let loads = 0;
    const cache = new ExpiringCache<string, number>(1000);
    const load = () => new Promise<number>((r) => setTimeout(() => r(++loads), 5));
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
  });

  it('forgets what a change notice names, and does not keep a load that raced with it', async () => {
    let loads = 0;
    const cache = new ExpiringCache<string, number>(1000);
    const load = async () => ++loads;
    await cache.get('a', load);
    await cache.get('b', load);
    cache.deleteWhere((k) => k === 'a');
    expect(await cache.get('b', load)).toBe(2);
    expect(await cache.get('a', load)).toBe(3);
    let release!: (n: number) => void;
    const slow = cache.get('c', () => new Promise<number>((r) => (release = r)));
    cache.clear();
    release(99);
    expect(await slow).toBe(99);
    expect(await cache.get('c', async () => 100)).toBe(100);
  });

  it('passes a failed load on and keeps nothing', async () => {
    const cache = new ExpiringCache<string, number>(1000);
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', async () => 7)).toBe(7);
  });
});
