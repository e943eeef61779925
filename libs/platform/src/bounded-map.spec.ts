import { BoundedMap } from './bounded-map';

describe('BoundedMap', () => {
  it('forgets the least recently set entry beyond its limit', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...m.entries()]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });

  it('forgets the oldest entries while their weights together pass the weight limit, and keeps the newest however heavy', () => {
    const m = new BoundedMap<string, string>(100, { max: 10, weigh: (v) => v.length });
    m.set('a', 'xxxx').set('b', 'xxxx');
    expect(m.weightCarried).toBe(8);
    // Re-setting replaces the entry's weight rather than adding to it.
    m.set('a', 'xx');
    expect(m.weightCarried).toBe(6);
    m.set('c', 'xxxxx');
    expect([...m.keys()]).toEqual(['a', 'c']);
    expect(m.weightCarried).toBe(7);
    m.set('d', 'x'.repeat(50));
    expect([...m.keys()]).toEqual(['d']);
    expect(m.weightCarried).toBe(50);
    m.delete('d');
    expect(m.weightCarried).toBe(0);
    m.set('e', 'xxx');
    m.clear();
    expect(m.weightCarried).toBe(0);
  });

  it('forgets in the order of the last set through any mix of sets, re-sets and deletes, as a plain model does', () => {
    const m = new BoundedMap<number, number>(50);
    const model: number[] = []; // keys, oldest first
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    for (let i = 0; i < 20_000; i++) {
      const key = rand(120);
      if (rand(5) === 0) {
        m.delete(key);
        if (model.includes(key)) model.splice(model.indexOf(key), 1);
      } else {
        m.set(key, i);
        if (model.includes(key)) model.splice(model.indexOf(key), 1);
        model.push(key);
        if (model.length > 50) model.shift();
      }
      if (i % 97 === 0) expect([...m.keys()]).toEqual(model);
    }
    expect([...m.keys()]).toEqual(model);
  });

  it('holds its order in space proportional to its entries, however often the same keys are set again', () => {
    const m = new BoundedMap<string, number>(1000);
    for (let i = 0; i < 100_000; i++) m.set(`k${i % 10}`, i);
    expect(m.size).toBe(10);
    expect(m.orderPlaces).toBeLessThanOrEqual(2 * 10 + 1024 + 1);
    for (let i = 0; i < 100_000; i++) {
      m.set(`n${i}`, i);
      m.delete(`n${i}`);
    }
    expect(m.orderPlaces).toBeLessThanOrEqual(2 * 10 + 1024 + 1);
    expect([...m.keys()]).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
  });
});
