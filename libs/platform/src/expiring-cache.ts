import { BoundedMap } from './bounded-map';

/**
 * Answers kept for a short while, so a hot path does not ask another service the same question on
 * every request. Owners announce changes (`deleteWhere`, `clear` on a change notice) so a change is
 * seen at once; the time limit bounds how stale an answer can be when a notice is lost. Concurrent
 * misses of one key share a single load.
 */
export class ExpiringCache<K, V> {
  private readonly entries: BoundedMap<K, { value: V; until: number }>;
  private readonly loading = new Map<K, Promise<V>>();
  /** Bumped by every invalidation: a load that started before one is not kept. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    // The oldest answer goes first when the cache is full.
    this.entries = new BoundedMap(maxEntries);
  }

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const p = load().then(
      (value) => {
        this.loading.delete(key);
        if (generation === this.generation && this.ttlMs > 0) {
          this.entries.set(key, { value, until: this.now() + this.ttlMs });
        }
        return value;
      },
      (err: unknown) => {
        this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, p);
    return p;
  }

  deleteWhere(match: (key: K, value: V) => boolean): void {
    this.generation++;
    for (const [k, e] of this.entries) if (match(k, e.value)) this.entries.delete(k);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
