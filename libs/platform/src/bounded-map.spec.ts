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
});
