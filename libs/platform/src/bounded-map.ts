/**
 * A Map that keeps at most `limit` entries, forgetting the least recently set one first: for state
 * a process keeps to save reads, where losing an entry costs a read and nothing else.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    // Re-setting a key moves it to the newest end.
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}
