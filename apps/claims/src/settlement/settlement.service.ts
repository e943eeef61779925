import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { requestCommand } from '@outcomes/bus';
import { BUDGET_SETTLE, CATALOG_COMMANDS, parseUsd, type ConfigView, type ConversionRecord } from '@outcomes/contracts';
import { evolveOutcome, initialOutcomeState, type OutcomeEvent, type OutcomeState } from '@outcomes/domain-auction';
import {
  decideSettlement,
  evolveSettlement,
  initialSettlementState,
  linesOf,
  partialShareBps,
  type SettlementCommand,
  type SettlementEvent,
  type SettlementState,
  type SettlementTerms,
  type Verdict,
} from '@outcomes/domain-settlement';
import { START, type Checkpoint } from '@outcomes/event-store';
import { BackgroundWork, LeasedTimers, withTransaction, type AggregateKind, type Aggregates, type ServiceRuntime } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import type { ClaimsConfig } from '../config';
import { AGGREGATES, CLAIMS_CONFIG, RUNTIME } from '../tokens';

export const settlements: AggregateKind<SettlementState, SettlementEvent> = { category: 'settlement', initialState: initialSettlementState, evolve: evolveSettlement };
/** The auction's outcome streams, read (never written) to learn what a completed outcome cost and where it was reserved. */
const outcomes: AggregateKind<OutcomeState, OutcomeEvent> = { category: 'outcome', initialState: initialOutcomeState, evolve: evolveOutcome };
export type LiveSettlement = Exclude<SettlementState, { status: 'none' }>;

type OutcomeTypeView = { readonly verification: 'capi_verified' | 'guarantee_backed'; readonly attribution: { readonly window_days: number; readonly default_outcome: 'success' | 'failure' } };
type Config = ConfigView & {
  readonly guarantee_terms: { readonly max_payout: string | null; readonly claim_window_days: number } | null;
  readonly escalation_policy: { readonly partial_billing?: { readonly model: 'none' | 'fixed_triage_fee' | 'percentage_complete'; readonly fee?: string } } | null;
};

const DAY = 86_400_000;

/** The ledger lines, the settlement row and its timers, in the transaction of its events. */
async function project(tx: PoolClient, events: readonly SettlementEvent[], after: SettlementState): Promise<void> {
  if (after.status === 'none') return;
  const t = after.terms;
  for (const e of events) {
    const lines = linesOf(e);
    if (lines.length === 0) continue;
    const cause = 'cause' in e.data ? e.data.cause : null;
    await tx.query(
      `INSERT INTO claims.ledger_lines (outcome_id, buyer_id, outcome_type, account, side, micros, kind, cause_kind, cause_ref, at)
       SELECT $1, $2, $3, l.account, l.side, l.micros, $5, $6, $7, $8 FROM jsonb_to_recordset($4::jsonb) AS l(account text, side text, micros bigint)`,
      [t.outcomeId, t.buyerId, t.outcomeType, JSON.stringify(lines), e.type, cause?.kind ?? (e.type === 'ClaimPaidOut' ? 'claim' : null), cause?.ref ?? (e.type === 'ClaimPaidOut' ? e.data.claimId : null), e.data.at],
    );
  }
  await tx.query(
    `INSERT INTO claims.settlements (outcome_id, buyer_id, engine_id, config_id, outcome_type, model, status, state, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (outcome_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, updated_at = now()`,
    [t.outcomeId, t.buyerId, t.engineId, t.configId, t.outcomeType, t.model, after.status, JSON.stringify(after)],
  );
  const timers: Array<[string, string | null]> = [
    ['attribution', after.status === 'awaiting' ? t.attributionEndsAt : null],
    ['claim_window', after.claimWindowOpen ? t.claimWindowEndsAt : null],
  ];
  for (const [kind, due] of timers) {
    if (due) await tx.query(`INSERT INTO claims.timers (outcome_id, kind, due_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [t.outcomeId, kind, due]);
    else await tx.query(`DELETE FROM claims.timers WHERE outcome_id = $1 AND kind = $2`, [t.outcomeId, kind]);
  }
}

/** What a conversion says about the outcome's result; null for events that are not a verdict (feedback, claims, deliveries). */
export const verdictOf = (eventType: string): Verdict | 'expired' | null =>
  eventType === 'outcome.success' ? 'success' : eventType === 'outcome.failure' ? 'failure' : eventType === 'outcome.partial' ? 'partial' : eventType === 'outcome.expired' ? 'expired' : null;

/**
 * Settlement: opens one for every completed outcome, applies the buyer's conversions to it, closes
 * attribution and claim windows by durable timers, and tells the auction what became of the
 * budget reservation. Every step is idempotent (the decider ignores repeats, the budget too), so
 * the consumers may deliver an event again and the timers may fire twice.
 */
@Injectable()
export class SettlementService implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private readonly work: BackgroundWork;
  private readonly timerTable: LeasedTimers<'attribution' | 'claim_window'>;

  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
    @Inject(CLAIMS_CONFIG) private readonly config: ClaimsConfig,
  ) {
    this.work = new BackgroundWork(rt.logger, 'settlement work');
    this.timerTable = new LeasedTimers(rt.pool, 'claims.timers');
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.work.run(this.fireDueTimers()), 500);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.work.settled();
  }

  /** A completed outcome: its settlement opens (guarantee-backed ones are charged at once). Anything else has nothing to settle. */
  async onCompleted(outcomeId: string): Promise<LiveSettlement | null> {
    const { state: outcome } = await this.aggregates.load(outcomes, outcomeId);
    if (outcome.status !== 'completed') return null;
    const basis = await this.termsFor(outcome);
    return basis ? this.run(outcomeId, { type: 'Open', terms: basis.terms, now: new Date() }) : null;
  }

  /**
   * An outcome its engine escalated, under a configuration that bills escalations in part: a fixed
   * triage fee, or the share of the price the engine says it completed; never more than the price.
   * The auction left the reservation for this; without partial billing it released it already.
   */
  async onEscalated(outcomeId: string): Promise<LiveSettlement | null> {
    const { state: outcome } = await this.aggregates.load(outcomes, outcomeId);
    if (outcome.status !== 'escalated' || !outcome.escalation?.handoff) return null;
    const basis = await this.termsFor(outcome);
    if (!basis) return null;
    const billing = basis.config.escalation_policy?.partial_billing ?? { model: 'none' };
    const price = basis.terms.priceMicros;
    const done = Math.min(100, Math.max(0, Number((outcome.escalation.handoff as { work_completed_percent?: unknown }).work_completed_percent ?? 0)));
    const amount =
      billing.model === 'fixed_triage_fee' && billing.fee ? Math.min(price, parseUsd(billing.fee)) : billing.model === 'percentage_complete' ? Math.floor((price * Math.round(done * 100)) / 10_000) : null;
    if (amount === null) return null;
    return this.run(outcomeId, { type: 'OpenPartial', terms: { ...basis.terms, priceMicros: amount }, now: new Date() });
  }

  /** The settlement terms of an awarded outcome: its price and reservation, and its type's verification, windows and coverage. */
  private async termsFor(outcome: OutcomeState): Promise<{ terms: SettlementTerms; config: Config } | null> {
    if (outcome.status === 'empty' || outcome.engineId === null || outcome.clearingPriceMicros === null || outcome.budgetId === null) return null;
    const { request } = outcome;
    const outcomeId = request.outcomeId;
    const config = await requestCommand<Config>(this.rt.bus, CATALOG_COMMANDS.getConfig, { buyer_id: request.buyerId, config_id: request.configId });
    const type = await requestCommand<OutcomeTypeView>(this.rt.bus, CATALOG_COMMANDS.getOutcomeType, { key: request.outcomeType, version: config.outcome_type_version });
    const deliveredAt = outcome.endedAt ?? new Date().toISOString();
    const delivered = Date.parse(deliveredAt);
    const guarantee = config.guarantee_terms;
    const price = outcome.clearingPriceMicros;
    const terms: SettlementTerms = {
      outcomeId,
      buyerId: request.buyerId,
      engineId: outcome.engineId,
      configId: request.configId,
      outcomeType: request.outcomeType,
      model: type.verification,
      priceMicros: price,
      budgetId: outcome.budgetId,
      reservationId: outcome.reservationId ?? outcomeId,
      takeRateBps: this.config.takeRateBps,
      deliveredAt,
      attributionEndsAt: type.verification === 'capi_verified' ? new Date(delivered + type.attribution.window_days * DAY).toISOString() : null,
      defaultVerdict: type.attribution.default_outcome,
      claimWindowEndsAt: type.verification === 'guarantee_backed' ? new Date(delivered + (guarantee?.claim_window_days ?? 30) * DAY).toISOString() : null,
      coverageMicros: type.verification === 'guarantee_backed' ? (guarantee?.max_payout ? parseUsd(guarantee.max_payout) : price * this.config.defaultCoverageMultiple) : 0,
    };
    return { terms, config };
  }

  /** A buyer's conversion, for each outcome it names. Test events never reach here (their category is not consumed). */
  async onConversion(c: Pick<ConversionRecord, 'eventId' | 'eventType' | 'eventTime' | 'outcomeIds' | 'score' | 'successCriteriaResults'>): Promise<void> {
    const verdict = verdictOf(c.eventType);
    if (verdict === null) return;
    for (const outcomeId of c.outcomeIds) {
      let { state } = await this.aggregates.load(settlements, outcomeId);
      // The conversion may arrive before the completion event: open the settlement from the outcome's own record.
      if (state.status === 'none') state = (await this.onCompleted(outcomeId)) ?? state;
      // Escalated, failed or still running: nothing is charged for it.
      if (state.status === 'none') continue;
      const command: SettlementCommand =
        verdict === 'expired'
          ? { type: 'CloseAttribution', now: new Date() }
          : { type: 'ApplyConversion', eventId: c.eventId, verdict, ...(verdict === 'partial' ? { partialShareBps: partialShareBps(c) } : {}), eventTime: new Date(c.eventTime), now: new Date() };
      await this.run(outcomeId, command);
    }
  }

  private async run(outcomeId: string, command: SettlementCommand): Promise<LiveSettlement> {
    const { state } = await this.aggregates.execute(settlements, outcomeId, (s) => decideSettlement(command, s), { actor: 'settlement', project, retries: 20 });
    if (state.status === 'none') throw new Error(`settlement of ${outcomeId} did not open`);
    await this.syncBudget(state);
    return state;
  }

  /**
   * The budget follows the settlement's state (not its last events), so a redelivered event or a
   * crash between the append and this call still ends with the budget right: each call is a no-op
   * on a budget that already knows.
   */
  private async syncBudget(s: LiveSettlement): Promise<void> {
    const t = s.terms;
    const call = (action: 'charge' | 'release' | 'refund', chargeMicros = 0) =>
      requestCommand(this.rt.bus, BUDGET_SETTLE, { budget_id: t.budgetId, reservation_id: t.reservationId, action, charge_micros: chargeMicros });
    if (s.status === 'charged') await call('charge', s.chargedMicros);
    if (s.status === 'released') await call('release');
    if (s.status === 'refunded') {
      await call('charge', s.chargedMicros);
      await call('refund');
    }
  }

  /** Attribution and claim windows that closed (see `LeasedTimers`). */
  private async fireDueTimers(): Promise<void> {
    for (const t of await this.timerTable.claimDue()) {
      await this.run(t.outcome_id, t.kind === 'attribution' ? { type: 'CloseAttribution', now: new Date() } : { type: 'CloseClaimWindow', now: new Date() });
      await this.timerTable.done(t);
    }
  }

  /** A decided claim's payout, from the engine to the buyer, within the outcome's coverage. */
  async payClaim(outcomeId: string, claimId: string, amountMicros: number): Promise<void> {
    await this.run(outcomeId, { type: 'PayClaim', claimId, amountMicros, now: new Date() });
  }

  /**
   * Rebuilds the ledger and the settlements table from the settlement streams, in one transaction
   * (readers see the old rows until it commits): the same projection, fed every event in order,
   * which also sets each settlement's timers to what its state needs.
   */
  async rebuildLedger(): Promise<{ settlements: number; lines: number }> {
    return withTransaction(this.rt.pool, async (tx) => {
      await tx.query('LOCK TABLE claims.ledger_lines, claims.settlements IN EXCLUSIVE MODE');
      await tx.query('TRUNCATE claims.ledger_lines, claims.settlements');
      const states = new Map<string, SettlementState>();
      for (let after: Checkpoint = START; ; ) {
        const batch = await this.rt.store.readCategory('settlement', after, 1000);
        if (batch.length === 0) break;
        for (const e of batch) {
          const event = { type: e.type, data: e.data } as SettlementEvent;
          const state = evolveSettlement(states.get(e.streamId) ?? initialSettlementState(), event);
          states.set(e.streamId, state);
          await project(tx, [event], state);
        }
        after = { transactionId: batch.at(-1)!.transactionId, position: batch.at(-1)!.position };
      }
      const { rows } = await tx.query<{ n: string }>('SELECT count(*) AS n FROM claims.ledger_lines');
      return { settlements: states.size, lines: Number(rows[0]!.n) };
    });
  }

  /** Balances from the ledger (credits minus debits), of one account or all. */
  async balances(account: string | undefined): Promise<Array<{ account: string; balance_micros: number }>> {
    const { rows } = await this.rt.pool.query<{ account: string; balance: string }>(
      `SELECT account, sum(CASE side WHEN 'credit' THEN micros ELSE -micros END) AS balance FROM claims.ledger_lines WHERE ($1::text IS NULL OR account = $1) GROUP BY account ORDER BY account`,
      [account ?? null],
    );
    return rows.map((r) => ({ account: r.account, balance_micros: Number(r.balance) }));
  }

  /** A buyer's spend by outcome type and period, from the ledger: charges less refunds. */
  async spend(buyerId: string, period: 'day' | 'week' | 'month' | 'total'): Promise<Array<{ period: string; outcome_type: string; charged_micros: number; refunded_micros: number; outcomes: number }>> {
    const { rows } = await this.rt.pool.query<{ period: string; outcome_type: string; charged: string; refunded: string; outcomes: string }>(
      `SELECT CASE WHEN $2 = 'total' THEN 'total' ELSE to_char(date_trunc($2, at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') END AS period, outcome_type,
              sum(micros) FILTER (WHERE kind = 'OutcomeCharged') AS charged, coalesce(sum(micros) FILTER (WHERE kind = 'OutcomeRefunded'), 0) AS refunded,
              count(DISTINCT outcome_id) FILTER (WHERE kind = 'OutcomeCharged') AS outcomes
         FROM claims.ledger_lines WHERE buyer_id = $1 AND account = 'buyer:' || $1 AND kind IN ('OutcomeCharged', 'OutcomeRefunded')
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [buyerId, period],
    );
    return rows.map((r) => ({ period: r.period, outcome_type: r.outcome_type, charged_micros: Number(r.charged ?? 0), refunded_micros: Number(r.refunded), outcomes: Number(r.outcomes) }));
  }

  async get(buyerId: string, outcomeId: string): Promise<LiveSettlement | null> {
    const { state } = await this.aggregates.load(settlements, outcomeId);
    return state.status === 'none' || state.terms.buyerId !== buyerId ? null : state;
  }
}
