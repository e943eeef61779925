export interface WeightLimit<V> {
  /** The most weight (bytes, say) the entries may carry together. */
  readonly max: number;
  /** An entry's weight; asked once each time an entry is set. */
  readonly weigh: (value: V) => number;
}

/**
 * Keys in the order they were last set, the oldest found in O(1). A Map's own order would do, but
 * not its iterator: `keys().next()` walks over every entry deleted at the front since the table was
 * last rebuilt, so a Map used as a queue at a steady size costs more per eviction the longer it runs
 * (V8; measured 10 µs an eviction at 20,000 entries and up to 270 µs at 200,000).
 */
class SetOrder<K> {
  /** Each set appends the key and its stamp; a key's earlier places are stale (their stamp is not its last). */
  private keys: K[] = [];
  private stamps: number[] = [];
  private head = 0;
  private stamp = 0;
  private readonly last = new Map<K, number>();

  set(key: K): void {
    this.last.set(key, ++this.stamp);
    this.keys.push(key);
    this.stamps.push(this.stamp);
    // Keys set again and again (or set and deleted) without evictions leave stale places behind: at
    // most as many as the live ones (and a thousand), so the order stays within a small multiple of the map.
    if (this.keys.length - this.head > 2 * this.last.size + 1024) this.compact();
  }

  delete(key: K): void {
    this.last.delete(key);
  }

  clear(): void {
    this.keys = [];
    this.stamps = [];
    this.head = 0;
    this.last.clear();
  }

  oldest(): K | undefined {
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      if (this.last.get(key) === this.stamps[this.head]) return key;
      this.head++;
    }
    return undefined;
  }

  private compact(): void {
    const keys: K[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.last.get(this.keys[i]!) !== this.stamps[i]) continue;
      keys.push(this.keys[i]!);
      stamps.push(this.stamps[i]!);
    }
    this.keys = keys;
    this.stamps = stamps;
    this.head = 0;
  }

  /** Places held, live and stale (for tests: it must stay proportional to the entries). */
  get places(): number {
    return this.keys.length - this.head;
  }
}

/**
 * A Map that keeps at most `limit` entries, forgetting the least recently set one first: for state
 * a process keeps to save reads, where losing an entry costs a read and nothing else. With a
 * `weight` limit, it also forgets the oldest entries while the entries' weights together pass it
 * (the newest entry always stays, however heavy).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private readonly weights = new Map<K, number>();
  private total = 0;
  private readonly order = new SetOrder<K>();

  constructor(
    private readonly limit: number,
    private readonly weight?: WeightLimit<V>,
  ) {
    super();
  }

  /** The entries' weights together (0 without a weight limit). */
  get weightCarried(): number {
    return this.total;
  }

  /** Keys the eviction order holds, live and stale: at most about twice the entries (for tests). */
  get orderPlaces(): number {
    return this.order.places;
  }

  override set(key: K, value: V): this {
    // Re-setting a key moves it to the newest end.
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    this.order.set(key);
    if (this.weight) {
      const w = this.weight.weigh(value);
      this.weights.set(key, w);
      this.total += w;
    }
    while (this.size > this.limit || (this.weight !== undefined && this.total > this.weight.max && this.size > 1)) this.delete(this.order.oldest()!);
    return this;
  }

  override delete(key: K): boolean {
    const w = this.weights.get(key);
    if (w !== undefined) {
      this.total -= w;
      this.weights.delete(key);
    }
    this.order.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.weights.clear();
    this.total = 0;
    this.order.clear();
    super.clear();
  }
}
