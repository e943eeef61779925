/**
 * A read that concurrent callers share: a caller whose keys the read under way covers takes its
 * answer instead of starting another. What it gets is as old as that read, a few milliseconds;
 * use it where that is acceptable (a check that was never atomic with what follows it anyway).
 * Once the read settles, the next caller starts a fresh one.
 */
export class SharedRead<K, V> {
  private under: { readonly keys: ReadonlySet<K>; readonly answer: Promise<V> } | undefined;

  constructor(private readonly read: (keys: readonly K[]) => Promise<V>) {}

  get(keys: readonly K[]): Promise<V> {
    const under = this.under;
    if (under && keys.every((k) => under.keys.has(k))) return under.answer;
    const mine = {
      keys: new Set(keys),
      answer: this.read(keys).finally(() => {
        if (this.under === mine) this.under = undefined;
      }),
    };
    this.under = mine;
    return mine.answer;
  }
}
