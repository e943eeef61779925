/**
 * An immutable map from string keys: a hash array mapped trie. Each level takes five bits of the
 * key's hash and keeps only the children it has (a bitmap says which), so a change copies one
 * short array per level, about log32(n) of them, and leaves every earlier version as it was. A
 * budget with hundreds of thousands of reservations changes as cheaply as one with ten (buckets
 * of a fixed count would grow with it, and copying them would make a hot budget slower by the
 * minute), and rebuilding it from its stream takes time linear in its length.
 */
export type PersistentMap<V> = Branch<V>;

class Leaf<V> {
  constructor(
    readonly hash: number,
    readonly key: string,
    readonly value: V,
  ) {}
}

/** Keys whose 32-bit hashes are equal. */
class Collision<V> {
  constructor(
    readonly hash: number,
    readonly leaves: readonly Leaf<V>[],
  ) {}
}

/** A level of the trie (the root is one): read and change it through the functions below. */
export class Branch<V> {
  constructor(
    /** Bit i set: the child for hash digit i is in `children`, at the count of set bits below i. */
    readonly bitmap: number,
    readonly children: readonly Child<V>[],
  ) {}
}

type Child<V> = Leaf<V> | Collision<V> | Branch<V>;

const BITS = 5;
const MASK = 31;

/** FNV-1a, 32 bits. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function bitCount(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
}

const EMPTY: PersistentMap<never> = new Branch<never>(0, []);

export const emptyMap = <V>(): PersistentMap<V> => EMPTY;

export function mapGet<V>(map: PersistentMap<V>, key: string): V | undefined {
  const hash = hashKey(key);
  let node: Child<V> = map;
  for (let shift = 0; ; shift += BITS) {
    if (node instanceof Branch) {
      const bit = 1 << ((hash >>> shift) & MASK);
      if ((node.bitmap & bit) === 0) return undefined;
      node = node.children[bitCount(node.bitmap & (bit - 1))]!;
    } else if (node instanceof Leaf) {
      return node.key === key ? node.value : undefined;
    } else {
      if (node.hash !== hash) return undefined;
      return node.leaves.find((l) => l.key === key)?.value;
    }
  }
}

export function mapSet<V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> {
  return setIn(map, new Leaf(hashKey(key), key, value), 0) as Branch<V>;
}

export function mapDelete<V>(map: PersistentMap<V>, key: string): PersistentMap<V> {
  // At the root (shift 0) a branch is never given up for its last entry: what is left is a branch or nothing.
  return (deleteIn(map, hashKey(key), key, 0) as Branch<V> | undefined) ?? emptyMap();
}

export function* mapEntries<V>(map: PersistentMap<V>): Generator<[string, V]> {
  const stack: Child<V>[] = [map];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node instanceof Leaf) yield [node.key, node.value];
    else if (node instanceof Collision) for (const l of node.leaves) yield [l.key, l.value];
    else for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

function setIn<V>(node: Child<V>, leaf: Leaf<V>, shift: number): Child<V> {
  if (node instanceof Branch) {
    const bit = 1 << ((leaf.hash >>> shift) & MASK);
    const at = bitCount(node.bitmap & (bit - 1));
    if ((node.bitmap & bit) === 0) {
      const children = node.children.slice();
      children.splice(at, 0, leaf);
      return new Branch(node.bitmap | bit, children);
    }
    const child = node.children[at]!;
    const changed = setIn(child, leaf, shift + BITS);
    if (changed === child) return node;
    const children = node.children.slice();
    children[at] = changed;
    return new Branch(node.bitmap, children);
  }
  if (node instanceof Leaf) {
    if (node.key === leaf.key) return Object.is(node.value, leaf.value) ? node : leaf;
    return join(node, leaf, shift);
  }
  if (node.hash !== leaf.hash) return join(node, leaf, shift);
  const at = node.leaves.findIndex((l) => l.key === leaf.key);
  if (at < 0) return new Collision(node.hash, [...node.leaves, leaf]);
  if (Object.is(node.leaves[at]!.value, leaf.value)) return node;
  const leaves = node.leaves.slice();
  leaves[at] = leaf;
  return new Collision(node.hash, leaves);
}

/** A branch holding two entries that met in one slot, at the depth where their hashes part. */
function join<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Child<V> {
  if (a.hash === b.hash) return new Collision(a.hash, a instanceof Leaf ? [a, b] : [...a.leaves, b]);
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return new Branch(1 << ia, [join(a, b, shift + BITS)]);
  return new Branch((1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}

/**
 * The node without `key`: the same node when the key is absent, undefined when nothing is left.
 * A branch left with a single entry gives that entry to its parent, so the trie stays as shallow
 * as its keys need (the root stays a branch: see `mapDelete`).
 */
function deleteIn<V>(node: Child<V>, hash: number, key: string, shift: number): Child<V> | undefined {
  if (node instanceof Leaf) return node.key === key ? undefined : node;
  if (node instanceof Collision) {
    if (node.hash !== hash) return node;
    const leaves = node.leaves.filter((l) => l.key !== key);
    if (leaves.length === node.leaves.length) return node;
    return leaves.length === 1 ? leaves[0] : new Collision(hash, leaves);
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const at = bitCount(node.bitmap & (bit - 1));
  const child = node.children[at]!;
  const changed = deleteIn(child, hash, key, shift + BITS);
  if (changed === child) return node;
  if (changed === undefined) {
    if (node.children.length === 1) return undefined;
    const children = node.children.slice();
    children.splice(at, 1);
    if (shift > 0 && children.length === 1 && !(children[0] instanceof Branch)) return children[0];
    return new Branch(node.bitmap & ~bit, children);
  }
  if (shift > 0 && node.children.length === 1 && !(changed instanceof Branch)) return changed;
  const children = node.children.slice();
  children[at] = changed;
  return new Branch(node.bitmap, children);
}
