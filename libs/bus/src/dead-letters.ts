import type { Pool } from 'pg';
import type { Bus } from './connection';
import { errorText, replaySubject, type ReplayReply, type ReplayRequest } from './replay';

export interface DeadLetter {
  readonly id: bigint;
  /** The durable name of the consumer that gave up. */
  readonly consumer: string;
  /** Null when the message was not a readable event envelope. */
  readonly eventId: string | null;
  readonly subject: string;
  readonly envelope: unknown;
  readonly error: string;
  readonly attempts: number;
  readonly parkedAt: Date;
  readonly replayedAt: Date | null;
}

export interface ParkInput {
  readonly consumer: string;
  readonly eventId: string | null;
  readonly subject: string;
  readonly envelope: unknown;
  readonly error: unknown;
  readonly attempts: number;
}

export interface ReplayResult {
  readonly id: bigint;
  readonly ok: boolean;
  /** Nothing done: already replayed, or another replay of it is under way. */
  readonly skipped?: boolean;
  readonly error?: string;
}

interface Row {
  id: string;
  consumer: string;
  event_id: string | null;
  subject: string;
  envelope: unknown;
  error: string;
  attempts: number;
  parked_at: Date;
  replayed_at: Date | null;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: BigInt(r.id),
  consumer: r.consumer,
  eventId: r.event_id,
  subject: r.subject,
  envelope: r.envelope,
  error: r.error,
  attempts: r.attempts,
  parkedAt: r.parked_at,
  replayedAt: r.replayed_at,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Events a consumer gave up on, in `bus.dead_letters`.
 *
 * Replay goes to the consumer, not to the stream: re-publishing on `evt.*` would reach every
 * consumer of the subject (and JetStream drops it as a duplicate inside the duplicate window). A
 * running consumer serves core NATS requests on `replay.<durable>` in a queue group named after
 * it, so exactly one replica, in whatever process, runs its handler on the parked envelope and
 * answers. The row is marked replayed only on a success reply. A session advisory lock per row
 * keeps two operators from replaying one row at once, without holding a transaction (whose id
 * would hold back every event-store reader of this database) across the round trip.
 */
export class DeadLetters {
  constructor(
    readonly pool: Pool,
    private readonly bus?: Pick<Bus, 'nc' | 'subject'>,
    private readonly replayTimeoutMs = 30_000,
  ) {}

  /** Records a dead letter; parking the same open (consumer, event) again only refreshes it. */
  async park(p: ParkInput): Promise<bigint> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO bus.dead_letters (consumer, event_id, subject, envelope, error, attempts)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (consumer, event_id) WHERE replayed_at IS NULL
       DO UPDATE SET error = EXCLUDED.error, attempts = greatest(bus.dead_letters.attempts, EXCLUDED.attempts)
       RETURNING id`,
      [p.consumer, p.eventId, p.subject, JSON.stringify(p.envelope ?? null), errorText(p.error), p.attempts],
    );
    return BigInt(rows[0]!.id);
  }

  async list(filter: { consumer?: string; includeReplayed?: boolean; limit?: number } = {}): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM bus.dead_letters
        WHERE ($1::text IS NULL OR consumer = $1) AND ($2 OR replayed_at IS NULL)
        ORDER BY id LIMIT $3`,
      [filter.consumer ?? null, filter.includeReplayed ?? false, filter.limit ?? 1000],
    );
    return rows.map(toDeadLetter);
  }

  /** Replays one row, or every open row of a consumer in the order they were parked. */
  async replay(target: bigint | number | string | { consumer: string }): Promise<ReplayResult[]> {
    if (typeof target === 'object') {
      const open = await this.list({ consumer: target.consumer, limit: 100_000 });
      const results: ReplayResult[] = [];
      for (const d of open) results.push(await this.replayOne(d.id));
      return results;
    }
    return [await this.replayOne(BigInt(target))];
  }

  private async replayOne(id: bigint): Promise<ReplayResult> {
    if (!this.bus) throw new Error('DeadLetters needs a bus to replay');
    const client = await this.pool.connect();
    let locked = false;
    try {
      const lock = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('bus.dead_letters:' || $1, 0)) AS ok`, [id.toString()]);
      locked = lock.rows[0]?.ok === true;
      if (!locked) return { id, ok: false, skipped: true };
      const { rows } = await client.query<Row>('SELECT * FROM bus.dead_letters WHERE id = $1 AND replayed_at IS NULL', [id.toString()]);
      const row = rows[0];
      if (!row) return { id, ok: false, skipped: true };
      const request: ReplayRequest = { id: row.id, subject: row.subject, envelope: row.envelope, attempts: row.attempts };
      let reply: ReplayReply;
      try {
        const msg = await this.bus.nc.request(this.bus.subject(replaySubject(row.consumer)), encoder.encode(JSON.stringify(request)), {
          timeout: this.replayTimeoutMs,
        });
        reply = JSON.parse(decoder.decode(msg.data)) as ReplayReply;
      } catch (err) {
        // Nobody answered (no replica of the consumer runs) or too late: the row stays as it was.
        return { id, ok: false, error: `no answer from consumer "${row.consumer}": ${errorText(err).split('\n')[0]}` };
      }
      if (reply.ok) {
        await client.query('UPDATE bus.dead_letters SET replayed_at = now() WHERE id = $1', [row.id]);
        return { id, ok: true };
      }
      await client.query('UPDATE bus.dead_letters SET error = $2, attempts = attempts + 1 WHERE id = $1', [row.id, reply.error]);
      return { id, ok: false, error: reply.error };
    } finally {
      // A session that cannot unlock must not go back to the pool still holding the lock.
      const unlocked = !locked || (await client.query(`SELECT pg_advisory_unlock(hashtextextended('bus.dead_letters:' || $1, 0))`, [id.toString()]).then(() => true, () => false));
      client.release(!unlocked);
    }
  }
}
