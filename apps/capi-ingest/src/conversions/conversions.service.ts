import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandError, requestCommand } from '@outcomes/bus';
import { checkConversionEvent, chunkConversions, CLAIM_COMMANDS, type ConversionsReportedData, describeProblems, type StoredConversion, OUTCOME_LOOKUP, type CheckClaimsAnswer, type ConversionEventDto, type ConversionResult, type OutcomeLookup } from '@outcomes/contracts';
import { withTransaction, type ServiceRuntime } from '@outcomes/platform';
import { RUNTIME } from '../tokens';
import { record, timingProblem } from './conversion.rules';

/**
 * Each batch is a stream of its own (`conversion-<buyer>.<batch>`): batches never contend for a
 * stream, and readers take the whole category in order. Test events go to a category of their
 * own, which nothing settles from.
 */
const STREAM = (buyerId: string, test: boolean, batch: string) => `${test ? 'conversiontest' : 'conversion'}-${buyerId}.${batch}`;

/** A `ConversionsReported` event's conversions take at most this much JSON: well inside a 1 MB NATS message. */
const MAX_EVENT_BYTES = 512 * 1024;

/** A reported event as `capi.events` keeps it: what `GET /v1/events/{id}` answers. */
export interface ReceivedConversion {
  readonly event_id: string;
  readonly event_type: string;
  readonly outcome_ids: string[];
  readonly session_id: string | null;
  readonly test: boolean;
  readonly received_at: Date;
  readonly status: string;
  readonly processed_at: Date | null;
  readonly actions: unknown[];
}

/**
 * The Conversions API's intake. Each event is checked on its own (time, the outcome or session it
 * names: another buyer's answers as unknown), then the new ones are recorded at once: their ids
 * in `capi.events` (a repeat, in this batch or any earlier one, finds its id there and is not
 * processed again) and the events themselves in the event store, in one transaction. What they
 * set off (settlement, scores) follows from the events. Test events go to a stream category of
 * their own that nothing settles from.
 */
@Injectable()
export class ConversionsService {
  constructor(@Inject(RUNTIME) private readonly rt: ServiceRuntime) {}

  async ingest(buyerId: string, actor: string, raw: readonly unknown[], now = new Date()): Promise<ConversionResult[]> {
    // Every event is checked here, once (the gateway checks only a batch's envelope; anything on the bus may call us).
    const checked = raw.map((r, i) => checkConversionEvent(r, `events[${i}]`));
    const events = checked.map((c, i) => c.event ?? (raw[i] as ConversionEventDto));
    const results: Array<ConversionResult | undefined> = events.map((e, i) => {
      const { problems } = checked[i]!;
      if (problems.length === 0) return undefined;
      const id = (e as { event_id?: unknown } | null)?.event_id;
      return { event_id: typeof id === 'string' ? id : `events[${i}]`, status: 'rejected', error: { code: 'validation_failed', message: describeProblems(problems), fields: problems } };
    });
    const timing = events.map((e, i) => (results[i] === undefined ? timingProblem(new Date(e.event_time), now) : null));
    // A repeat of an event recorded before is acknowledged, whatever the rules would say of it now
    // (its time may have aged past 7 days, a claim's window may have closed): only events some
    // rule would refuse are looked up here; the rest find their repeats when they are stored.
    const judged = events.filter((e, i) => results[i] === undefined && (timing[i] !== null || e.event_type === 'guarantee.claim')).map((e) => e.event_id);
    const recorded = judged.length === 0 ? new Set<string>() : await this.recordedIds(buyerId, judged);
    events.forEach((e, i) => {
      if (results[i] !== undefined) return;
      if (recorded.has(e.event_id)) results[i] = { event_id: e.event_id, status: 'duplicate' };
      else if (timing[i]) results[i] = { event_id: e.event_id, status: 'rejected', error: { code: 'rule_violation', message: `event_time ${timing[i]}`, fields: [{ field: 'event_time', reason: timing[i]! }] } };
    });
    const pending = events.map((e, i) => ({ e, i })).filter(({ i }) => results[i] === undefined);
    const lookup =
      pending.length === 0
        ? { outcomes: [], sessions: [] }
        : await requestCommand<OutcomeLookup>(this.rt.bus, OUTCOME_LOOKUP, {
            buyer_id: buyerId,
            outcome_ids: [...new Set(pending.flatMap(({ e }) => (e.outcome_id ? [e.outcome_id] : [])))],
            session_ids: [...new Set(pending.flatMap(({ e }) => (e.session_id ? [e.session_id] : [])))],
          });
    const outcomes = new Set(lookup.outcomes.map((o) => o.outcome_id));
    const sessions = new Map(lookup.sessions.map((s) => [s.session_id, s.outcome_ids]));
    const toRecord: Array<{ i: number; rec: StoredConversion }> = [];
    const seen = new Set<string>();
    const receivedAt = now.toISOString();
    for (const { e, i } of pending) {
      const targets = e.outcome_id ? (outcomes.has(e.outcome_id) ? [e.outcome_id] : null) : (sessions.get(e.session_id!) ?? null);
      if (targets === null) {
        const what = e.outcome_id ? `outcome ${e.outcome_id}` : `session ${e.session_id}`;
        results[i] = { event_id: e.event_id, status: 'not_found', error: { code: 'not_found', message: `${what} does not exist`, fields: [{ field: e.outcome_id ? 'outcome_id' : 'session_id', reason: 'does not exist' }] } };
      } else if (seen.has(e.event_id)) {
        results[i] = { event_id: e.event_id, status: 'duplicate' };
      } else {
        seen.add(e.event_id);
        toRecord.push({ i, rec: record(e, targets) });
      }
    }
    // Claims are judged here, so one outside its window (or beyond the coverage) is refused, not accepted and dropped later.
    const claims = toRecord.filter((t) => t.rec.eventType === 'guarantee.claim' && t.rec.claim && !t.rec.test);
    if (claims.length > 0) {
      const verdicts = await requestCommand<CheckClaimsAnswer>(this.rt.bus, CLAIM_COMMANDS.check, {
        buyer_id: buyerId,
        items: claims.map((c) => ({ outcome_id: c.rec.outcomeIds[0], claim_type: c.rec.claim!.claimType, requested_micros: c.rec.claim!.requestedMicros, event_time: c.rec.eventTime })),
      });
      const refused = new Set<number>();
      claims.forEach((c, k) => {
        const v = verdicts[k]!;
        if (v.status === null) return;
        refused.add(c.i);
        const message = v.problems.map((p) => `${p.field} ${p.reason}`).join('; ');
        results[c.i] = { event_id: c.rec.eventId, status: v.status === 404 ? 'not_found' : 'rejected', error: { code: v.status === 404 ? 'not_found' : 'rule_violation', message, fields: v.problems } };
      });
      for (let k = toRecord.length - 1; k >= 0; k--) if (refused.has(toRecord[k]!.i)) toRecord.splice(k, 1);
    }
    const fresh = await this.storeRetrying(buyerId, actor, receivedAt, toRecord.map((t) => t.rec));
    for (const { i, rec } of toRecord) results[i] = { event_id: rec.eventId, status: fresh.has(rec.eventId) ? 'accepted' : 'duplicate', ...(rec.test ? { test: true } : {}) };
    return results as ConversionResult[];
  }

  /** PostgreSQL may still pick this transaction as a deadlock victim (other writers): it is all or nothing, so run it again. */
  private async storeRetrying(buyerId: string, actor: string, receivedAt: string, recs: readonly StoredConversion[]): Promise<Set<string>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store(buyerId, actor, receivedAt, recs);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Records the conversions not recorded before, and says which those were. */
  private async store(buyerId: string, actor: string, receivedAt: string, recs: readonly StoredConversion[]): Promise<Set<string>> {
    if (recs.length === 0) return new Set();
    // Rows in one order in every transaction: two batches sharing new ids wait for each other, never deadlock.
    const ordered = [...recs].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    const batch = randomUUID();
    return withTransaction(this.rt.pool, async (tx) => {
      // Parallel arrays, not a JSON document: PostgreSQL reads them without parsing JSON per row.
      const { rows } = await tx.query<{ event_id: string }>(
        `INSERT INTO capi.events (buyer_id, event_id, event_type, outcome_ids, session_id, test, received_at)
           SELECT $1, x.event_id, x.event_type, string_to_array(x.outcome_ids, ' '), x.session_id, x.test, $7
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[]) AS x(event_id, event_type, outcome_ids, session_id, test)
         ON CONFLICT (buyer_id, event_id) DO NOTHING
         RETURNING event_id`,
        [
          buyerId,
          ordered.map((r) => r.eventId),
          ordered.map((r) => r.eventType),
          ordered.map((r) => r.outcomeIds.join(' ')),
          ordered.map((r) => r.sessionId ?? null),
          ordered.map((r) => Boolean(r.test)),
          receivedAt,
        ],
      );
      const fresh = new Set(rows.map((r) => r.event_id));
      for (const test of [false, true]) {
        // The batch's new conversions are one event (the store indexes a row per batch, not per
        // conversion), or a few when they would not fit one bus message.
        const conversions = recs.filter((r) => fresh.has(r.eventId) && Boolean(r.test) === test);
        if (conversions.length > 0) {
          const events = chunkConversions(conversions, MAX_EVENT_BYTES).map((chunk) => ({ type: 'ConversionsReported', data: { buyerId, batch, receivedAt, conversions: chunk } satisfies ConversionsReportedData }));
          await this.rt.store.appendInTransaction(tx, STREAM(buyerId, test, batch), events, 'no_stream', { metadata: { actor } });
        }
      }
      return fresh;
    });
  }

  /** Which of these event ids the buyer reported before. */
  private async recordedIds(buyerId: string, eventIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.rt.pool.query<{ event_id: string }>(`SELECT event_id FROM capi.events WHERE buyer_id = $1 AND event_id = ANY($2::text[])`, [buyerId, eventIds]);
    return new Set(rows.map((r) => r.event_id));
  }

  async get(buyerId: string, eventId: string): Promise<ReceivedConversion> {
    const { rows } = await this.rt.pool.query<ReceivedConversion>(
      `SELECT event_id, event_type, outcome_ids, session_id, test, received_at, status, processed_at, actions FROM capi.events WHERE buyer_id = $1 AND event_id = $2`,
      [buyerId, eventId],
    );
    if (!rows[0]) throw new CommandError('NOT_FOUND', `event ${eventId} was not received`);
    return rows[0];
  }
}
