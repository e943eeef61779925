/**
 * An immutable map from string keys that changes in O(1): keys are spread over 64 × 64 buckets
 * by a hash, and a change copies two arrays of 64 and one bucket, not the whole map. A budget
 * with tens of thousands of reservations would otherwise copy all of them on every change (and
 * rebuilding it from its stream would take time quadratic in its length).
 */
export type PersistentMap<V> = readonly (readonly (Readonly<Record<string, V>> | undefined)[] | undefined)[];

const FANOUT = 64;

/** FNV-1a, 32 bits. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const emptyMap = <V>(): PersistentMap<V> => [];

export function mapGet<V>(map: PersistentMap<V>, key: string): V | undefined {
  const h = hash(key);
  const bucket = map[h % FANOUT]?.[(h >>> 6) % FANOUT];
  return bucket !== undefined && Object.prototype.hasOwnProperty.call(bucket, key) ? bucket[key] : undefined;
}

function update<V>(map: PersistentMap<V>, key: string, change: (bucket: Readonly<Record<string, V>>) => Readonly<Record<string, V>>): PersistentMap<V> {
  const h = hash(key);
  const i = h % FANOUT;
  const j = (h >>> 6) % FANOUT;
  const inner = [...(map[i] ?? [])];
  inner[j] = change(inner[j] ?? {});
  const outer = [...map];
  outer[i] = inner;
  return outer;
}

export const mapSet = <V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> => update(map, key, (b) => ({ ...b, [key]: value }));

export function mapDelete<V>(map: PersistentMap<V>, key: string): PersistentMap<V> {
  if (mapGet(map, key) === undefined) return map;
  return update(map, key, (b) => {
    const { [key]: _gone, ...rest } = b;
    return rest;
  });
}

export function* mapEntries<V>(map: PersistentMap<V>): Generator<[string, V]> {
  for (const inner of map) for (const bucket of inner ?? []) if (bucket) for (const k of Object.keys(bucket)) yield [k, bucket[k]!];
}
