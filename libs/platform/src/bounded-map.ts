export interface WeightLimit<V> {
  /** The most weight (bytes, say) the entries may carry together. */
  readonly max: number;
  /** An entry's weight; asked once each time an entry is set. */
  readonly weigh: (value: V) => number;
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

  override set(key: K, value: V): this {
    // Re-setting a key moves it to the newest end.
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    if (this.weight) {
      const w = this.weight.weigh(value);
      this.weights.set(key, w);
      this.total += w;
    }
    while (this.size > this.limit || (this.weight !== undefined && this.total > this.weight.max && this.size > 1)) this.delete(this.keys().next().value as K);
    return this;
  }

  override delete(key: K): boolean {
    const w = this.weights.get(key);
    if (w !== undefined) {
      this.total -= w;
      this.weights.delete(key);
    }
    return super.delete(key);
  }

  override clear(): void {
    this.weights.clear();
    this.total = 0;
    super.clear();
  }
}
