import type { Pool } from 'pg';

export const APPENDED_CHANNEL = 'es_appended';

/** Gap between two wake-ups from one process: a steady writer would otherwise send one per append. */
const MIN_GAP_MS = 5;

/**
 * Wakes subscribers after appends. NOTIFY inside the append transaction would take PostgreSQL's
 * global notify-queue lock at every commit and serialize all writers, so the wake-up is sent
 * after the append, in its own statement, and coalesced: at most one in flight per process, and
 * appends that land meanwhile share one more, sent a few milliseconds later. Subscribers also
 * poll, so a lost wake-up only costs latency.
 */
export class AppendNotifier {
  private busy = false;
  private pending = false;
  private closed = false;

  constructor(private readonly pool: Pool) {}

  poke(): void {
    if (this.closed) return;
    if (this.busy) {
      this.pending = true;
      return;
    }
    this.busy = true;
    this.pool
      .query(`SELECT pg_notify('${APPENDED_CHANNEL}', '')`)
      .catch(() => undefined)
      .finally(() => {
        setTimeout(() => {
          this.busy = false;
          if (this.pending) {
            this.pending = false;
            this.poke();
          }
        }, MIN_GAP_MS).unref();
      });
  }

  close(): void {
    this.closed = true;
  }
}
