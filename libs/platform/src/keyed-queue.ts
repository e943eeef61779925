/**
 * Work for one key runs one piece at a time, in the order it was queued; different keys run side
 * by side. A failed piece does not stop the ones queued after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    this.tails.set(key, next);
    void next.finally(() => this.tails.get(key) === next && this.tails.delete(key)).catch(() => undefined);
    return next;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
