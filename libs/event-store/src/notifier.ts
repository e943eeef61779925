import type { Pool } from 'pg';

export const APPENDED_CHANNEL = 'es_appended';

/** Gap between two wake-ups from one process: a steady writer would otherwise send one per append. */
const MIN_GAP_MS = 5;

/**
 * The clause that makes an append statement wake subscribers at its commit: a one-time filter,
 * evaluated once before the statement's rows. A statement that fails sends nothing.
 */
export const NOTIFY_AT_COMMIT = `(SELECT true FROM pg_notify('${APPENDED_CHANNEL}', ''))`;

/** A statement's share in the wake-ups: whether it carries one, and which writes that covers. */
export type Carry = number | null;

/**
 * Wakes subscribers after appends, at most once per `MIN_GAP_MS` per process. The wake-up rides
 * in an append statement when one is about to go (`carry`): PostgreSQL sends it when that
 * statement commits, without a round trip of its own. Only that statement takes PostgreSQL's
 * notify-queue lock at its commit, so writers are not serialized behind it (a NOTIFY in every
 * append would be). Writes that committed with no wake-up after them (`done(null, true)`) get one
 * from the next statement that carries it, or, when none goes within two gaps, from a
 * `pg_notify` statement of its own. Subscribers also poll, so a lost wake-up only costs latency.
 */
export class AppendNotifier {
  private lastAt = -Infinity;
  /** Writes recorded so far; a carrying statement covers those recorded before it was sent. */
  private writes = 0;
  /** The number of writes a wake-up has been sent after. */
  private announced = 0;
  /** Carrying statements under way, and the most writes one of them covers. */
  private carriers = 0;
  private coverInFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats = { carried: 0, standalone: 0 };

  constructor(private readonly pool: Pool) {}

  /**
   * Whether the statement about to be sent should carry the wake-up (with `NOTIFY_AT_COMMIT`):
   * a token for `done` or `failed`, or null when one went less than a gap ago.
   */
  carry(): Carry {
    const now = performance.now();
    if (this.closed || now - this.lastAt < MIN_GAP_MS) return null;
    this.lastAt = now;
    this.stats.carried++;
    this.carriers++;
    this.coverInFlight = Math.max(this.coverInFlight, this.writes);
    return this.writes;
  }

  /**
   * A statement has committed. `carried`: its token when it carried the wake-up, which then went
   * after every write recorded before the statement was sent; `wrote`: it stored events.
   */
  done(carried: Carry, wrote: boolean): void {
    if (carried !== null) {
      this.carriers--;
      this.announced = Math.max(this.announced, carried);
    } else if (wrote) {
      this.writes++;
      this.arm();
    }
  }

  /** A statement failed: a wake-up it carried was not sent. */
  failed(carried: Carry): void {
    if (carried !== null) this.carriers--;
  }

  private arm(): void {
    if (this.timer === undefined && !this.closed) this.timer = setTimeout(() => this.announce(), 2 * MIN_GAP_MS).unref();
  }

  private announce(): void {
    this.timer = undefined;
    if (this.closed || this.announced >= this.writes) return;
    // A statement sent after these writes carries a wake-up and has not come back yet: wait for it.
    if (this.carriers > 0 && this.coverInFlight >= this.writes) return this.arm();
    this.announced = this.writes;
    this.lastAt = performance.now();
    this.stats.standalone++;
    this.pool.query(`SELECT pg_notify('${APPENDED_CHANNEL}', '')`).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
