import fc from 'fast-check';
import { emptyMap, hashKey, mapDelete, mapEntries, mapGet, mapSet, type PersistentMap } from './persistent-map';

describe('the persistent map', () => {
  it('reads as a plain map after any sequence of sets and deletes, and every earlier version stays as it was', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.string({ maxLength: 6 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.string({ maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        let map: PersistentMap<number> = emptyMap();
        const model = new Map<string, number>();
        const history: Array<[PersistentMap<number>, Map<string, number>]> = [];
        for (const o of ops) {
          history.push([map, new Map(model)]);
          if (o.kind === 'set') {
            map = mapSet(map, o.key, o.value);
            model.set(o.key, o.value);
          } else {
            map = mapDelete(map, o.key);
            model.delete(o.key);
          }
        }
        history.push([map, model]);
        for (const [version, expected] of history) {
          expect(new Map(mapEntries(version))).toEqual(expected);
          for (const [k, v] of expected) expect(mapGet(version, k)).toBe(v);
        }
        expect(mapGet(map, '__proto__')).toBe(model.get('__proto__'));
      }),
      { numRuns: 200 },
    );
  });

  /** Keys whose FNV-1a hashes are equal, and two whose hashes differ only in their top two bits (the trie's last level). */
  const same = [
    ['out_a4e3ab8fb8985a4e', 'out_21be9d35a551908f'],
    ['out_4da49ee7554aaece', 'out_fb4fa7cc69bbacfa'],
  ] as const;
  const deep = ['out_a7e3826748794eba', 'out_5c090d22cb5547fd'] as const;

  it('keeps keys apart whose hashes are equal or part only at the last level, through sets and deletes', () => {
    for (const [a, b] of same) expect(hashKey(a)).toBe(hashKey(b));
    expect(hashKey(deep[0]) & 0x3fffffff).toBe(hashKey(deep[1]) & 0x3fffffff);
    expect(hashKey(deep[0])).not.toBe(hashKey(deep[1]));

    const keys = [...same.flat(), ...deep];
    const model = new Map<string, number>();
    let map: PersistentMap<number> = emptyMap();
    // Every order of insertion and removal over these keys, by a fixed shuffle per round.
    for (let round = 0; round < 50; round++) {
      const order = keys.map((k, i) => [k, (i * 7 + round * 13) % keys.length] as const).sort((x, y) => x[1] - y[1]);
      for (const [k] of order) {
        if (model.has(k) && (round + k.length) % 3 === 0) {
          map = mapDelete(map, k);
          model.delete(k);
        } else {
          map = mapSet(map, k, round);
          model.set(k, round);
        }
        expect(new Map(mapEntries(map))).toEqual(model);
        for (const key of keys) expect(mapGet(map, key)).toBe(model.get(key));
      }
    }
    for (const k of keys) map = mapDelete(map, k);
    expect([...mapEntries(map)]).toEqual([]);
  });

  it('holds a hundred thousand keys, and a change leaves the version before it untouched', () => {
    let map: PersistentMap<number> = emptyMap();
    for (let i = 0; i < 100_000; i++) map = mapSet(map, `res_${i}`, i);
    const before = map;
    map = mapSet(mapDelete(map, 'res_5'), 'res_6', -6);
    expect(mapGet(before, 'res_5')).toBe(5);
    expect(mapGet(before, 'res_6')).toBe(6);
    expect(mapGet(map, 'res_5')).toBeUndefined();
    expect(mapGet(map, 'res_6')).toBe(-6);
    expect(mapGet(map, 'res_99999')).toBe(99_999);
    expect([...mapEntries(before)].length).toBe(100_000);
    for (let i = 0; i < 100_000; i += 2) map = mapDelete(map, `res_${i}`);
    const left = [...mapEntries(map)];
    expect(left.length).toBe(49_999); // the odd keys but res_5
    expect(left.every(([k]) => Number(k.slice(4)) % 2 === 1 && k !== 'res_5')).toBe(true);
  });

  it('answers a set of the value a key already holds with the same map', () => {
    const map = mapSet(mapSet(emptyMap<number>(), 'a', 1), 'b', 2);
    expect(mapSet(map, 'a', 1)).toBe(map);
    expect(mapDelete(map, 'c')).toBe(map);
  });
});
