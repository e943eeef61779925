import fc from 'fast-check';
import { emptyMap, mapDelete, mapEntries, mapGet, mapSet, type PersistentMap } from './persistent-map';

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
});
