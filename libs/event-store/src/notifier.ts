import type { Pool } from 'pg';

export const APPENDED_CHANNEL = 'es_appended';

/**
 * Wakes subscribers after appends. NOTIFY inside the append transaction would take PostgreSQL's
 * global notify-queue lock at every commit and serialize all writers, so the wake-up is sent
 * after the append, in its own statement, and coalesced: at most one in flight per process,
 * with one more queued if appends landed meanwhile. Subscribers also poll, so a lost wake-up
 * only costs latency.
 */
export class AppendNotifier {
  private inFlight = false;
  private pending = false;
  private closed = false;

  constructor(private readonly pool: Pool) {}

  poke(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    this.pool
      .query(`SELECT pg_notify('${APPENDED_CHANNEL}', '')`)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
        if (this.pending) {
          this.pending = false;
          this.poke();
        }
      });
  }

  close(): void {
    this.closed = true;
  }
}
