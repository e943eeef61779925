import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CommandError, CommandFailedError, decodeJson, encodeJson, requestCommand, requesterFor } from '@outcomes/bus';
import {
  CATALOG_COMMANDS,
  CHANGE_NOTICES,
  ENGINE_COMMANDS,
  ENGINE_SUBJECTS,
  engineFacingConfig,
  formatUsd,
  isUsd,
  newId,
  parseUsd,
  subjectsFor,
  type Award,
  type AwardResponse,
  type CredentialRef,
  type BidRequest,
  type ConfigView,
  type EligibleEngine,
  type ExecutionKind,
  type HandoffTarget,
  type LossNotice,
  type OutcomeLookup,
  OPTIMIZER_COMMANDS,
  OPTIMIZER_QUOTE_STATE_SUBJECT,
  type QuoteAnswer,
} from '@outcomes/contracts';
import {
  BudgetRefused,
  decideSession,
  evolveSession,
  initialSessionState,
  SessionRefused,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
  decideOutcome,
  evolveOutcome,
  initialOutcomeState,
  OutcomeRefused,
  periodKey,
  runAuction,
  type Bid,
  type BudgetPeriod,
  type OutcomeCommand,
  type OutcomeEvent,
  type OutcomeState,
} from '@outcomes/domain-auction';
import { engineAllowed } from '@outcomes/domain-catalog';
import { BackgroundWork, BoundedMap, ExpiringCache, KeyedQueue, LeasedTimers, SharedRead, type AggregateKind, type Aggregates, type ServiceRuntime } from '@outcomes/platform';
import type { Subscription } from '@nats-io/nats-core';
import { answerQuote, Optimizer, type QuoteState } from '@outcomes/domain-optimizer';
import type { AppendWrites } from '@outcomes/event-store';
import type { AuctionConfig } from '../config';
import { AGGREGATES, AUCTION_CONFIG, RUNTIME } from '../tokens';
import { deliver, smtpMailer, type Mailer } from '../handoff/handoff';
import { BudgetBook } from './budget-book';
import { weighState } from './state-weight';
import { timerPlan, type TimerKind } from './timers';
import { fallbackQuote, quoteCommand } from './pricing';
import { BidBatches, NoticeBatches } from './engine-batches';

export const outcomes: AggregateKind<OutcomeState, OutcomeEvent> = { category: 'outcome', initialState: initialOutcomeState, evolve: evolveOutcome };
export const sessions: AggregateKind<SessionState, SessionEvent> = { category: 'session', initialState: initialSessionState, evolve: evolveSession };
export type LiveOutcome = Exclude<OutcomeState, { status: 'empty' }>;
export type LiveSession = Exclude<SessionState, { status: 'empty' }>;
/** What an auction sells: an outcome of one buyer's request, maybe a session's turn. */
type Lot = Pick<LiveOutcome['request'], 'outcomeId' | 'buyerId' | 'input' | 'sessionId'>;

type Config = ConfigView & { readonly pricing_summary: { readonly typical_price: { readonly min: string; readonly max: string } } | null };

/**
 * The outcome's read model, its engine's load and its durable timers, written by the statement
 * that appends its events (`EventStore.appendWithWrites`): atomic with the events, and under
 * load one statement and one commit for several outcomes' changes. The CTEs run over the
 * relation `writes (slot, w)`, one row per outcome of the statement whose events were written;
 * each outcome is in a statement at most once, but several may run on one engine, so its load
 * changes are summed before they are applied. The load changes come from the states before and
 * after the events, which the append's expected version pins.
 */
const OUTCOME_WRITES = `
  changed AS (SELECT w->>'outcome_id' AS outcome_id, w->>'buyer_id' AS buyer_id, w->>'status' AS status, w->>'engine_id' AS engine_id,
                     w->>'outcome_type' AS outcome_type, w->>'config_id' AS config_id, (w->>'requested_at')::timestamptz AS requested_at,
                     (w->>'ended_at')::timestamptz AS ended_at, w->>'session_id' AS session_id,
                     w->'load' AS load, w->'drop' AS drop_kinds, w->'keep' AS keep, w->'set' AS moved
                FROM writes),
  -- The engine's load follows the status: down for the engine it ran on, up for the one it runs on now.
  loaded AS (INSERT INTO auction.engine_load (engine_id, running)
               SELECT d->>0, sum((d->>1)::int)::int FROM changed c, jsonb_array_elements(c.load) AS d GROUP BY d->>0 HAVING sum((d->>1)::int) <> 0
               ON CONFLICT (engine_id) DO UPDATE SET running = auction.engine_load.running + EXCLUDED.running),
  dropped AS (DELETE FROM auction.timers t USING changed c, jsonb_array_elements_text(c.drop_kinds) AS k(kind) WHERE t.outcome_id = c.outcome_id AND t.kind = k.kind),
  kept AS (INSERT INTO auction.timers (outcome_id, kind, due_at)
             SELECT c.outcome_id, k->>0, (k->>1)::timestamptz FROM changed c, jsonb_array_elements(c.keep) AS k ON CONFLICT DO NOTHING),
  moved AS (INSERT INTO auction.timers (outcome_id, kind, due_at)
              SELECT c.outcome_id, k->>0, (k->>1)::timestamptz FROM changed c, jsonb_array_elements(c.moved) AS k
              ON CONFLICT (outcome_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at),
  projected AS (INSERT INTO auction.outcomes (outcome_id, buyer_id, status, engine_id, version, updated_at, session_id, outcome_type, config_id, requested_at, ended_at)
                  SELECT outcome_id, buyer_id, status, engine_id, 1, now(), session_id, outcome_type, config_id, requested_at, ended_at FROM changed
                  ON CONFLICT (outcome_id) DO UPDATE SET status = EXCLUDED.status, engine_id = EXCLUDED.engine_id, version = auction.outcomes.version + 1,
                                                        ended_at = EXCLUDED.ended_at, updated_at = now())`;

/** The engine an outcome occupies in this state: the one it runs on, if it runs. */
const occupied = (s: OutcomeState): string | null => (s.status === 'running' ? s.engineId : null);

const projectWith =
  (resumeAfterMs: number) =>
  (_e: readonly OutcomeEvent[], after: OutcomeState, before: OutcomeState): AppendWrites | null => {
    if (after.status === 'empty') return null;
    const plan = timerPlan(after, resumeAfterMs, new Date());
    const [was, now] = [occupied(before), occupied(after)];
    const load = was === now ? [] : [...(was ? [[was, -1]] : []), ...(now ? [[now, 1]] : [])];
    return {
      name: 'auction_outcome',
      ctes: OUTCOME_WRITES,
      row: {
        outcome_id: after.request.outcomeId,
        buyer_id: after.request.buyerId,
        status: after.status,
        engine_id: after.engineId,
        session_id: after.request.sessionId ?? null,
        outcome_type: after.request.outcomeType,
        config_id: after.request.configId,
        requested_at: after.request.at,
        ended_at: after.endedAt,
        load,
        drop: plan.drop,
        keep: plan.keep,
        set: plan.set,
      },
    };
  };

/** A service's refusal, passed on to our caller with its code. */
const passOn = (err: unknown): never => {
  if (err instanceof CommandFailedError) throw new CommandError(err.code, err.message, err.details);
  throw err;
};

@Injectable()
export class OutcomesService implements OnModuleInit, OnModuleDestroy {
  private readonly mailer: Mailer | undefined;
  private execution?: Subscription;
  private quoteStateSub?: Subscription;
  /** The delivery optimizer's latest published quote state, as an optimizer that quotes from it. */
  private quoteState?: { readonly at: number; readonly receivedAt: number; readonly optimizer: Optimizer };
  private notices: Subscription[] = [];
  /**
   * Configurations and eligible engines, kept for a few seconds and dropped at once on their
   * owners' change notices: asked on every auction, they change rarely.
   */
  private readonly configs = new ExpiringCache<string, Config>(5_000);
  private readonly eligible = new ExpiringCache<string, EligibleEngine[]>(5_000);
  private timers?: NodeJS.Timeout;
  private readonly project: ReturnType<typeof projectWith>;
  private readonly work: BackgroundWork;
  private readonly timerTable: LeasedTimers<TimerKind>;
  private readonly reports = new KeyedQueue();
  /** Outcomes whose auction runs in this process now: their resume timer waits for it. */
  private readonly auctioning = new Set<string>();
  private readonly budgetBook: BudgetBook;
  /**
   * Outcomes this process wrote lately: each next step appends without reading the stream again.
   * Bounded by count and by weight: a state holds the buyer's input, which may be large.
   */
  private readonly outcomeStates = new BoundedMap<string, { state: OutcomeState; version: bigint }>(20_000, { max: 64 * 1024 * 1024, weigh: ({ state }) => weighState(state) });
  private readonly engineLoad: SharedRead<string, Map<string, number>>;
  private readonly bidRequests: BidBatches;
  private readonly lossNotices: NoticeBatches;

  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
    @Inject(AUCTION_CONFIG) private readonly config: AuctionConfig,
  ) {
    this.project = projectWith(config.resumeAfterMs);
    this.budgetBook = new BudgetBook(aggregates);
    this.work = new BackgroundWork(rt.logger, 'outcome work');
    this.timerTable = new LeasedTimers(rt.pool, 'auction.timers');
    this.engineLoad = new SharedRead(async (ids) => {
      // Named: prepared once per connection, it is asked once per turn of auctions.
      const { rows } = await rt.pool.query<{ engine_id: string; n: string }>({
        name: 'auction_engine_load',
        text: `SELECT engine_id, greatest(running, 0) AS n FROM auction.engine_load WHERE engine_id = ANY($1)`,
        values: [ids],
      });
      return new Map(rows.map((r) => [r.engine_id, Number(r.n)]));
    });
    this.mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : undefined;
    this.bidRequests = new BidBatches(rt.bus, config.tmaxMs);
    this.lossNotices = new NoticeBatches(rt.bus);
  }

  /** Engines' execution reports, shared by the copies of this service through a queue group. */
  onModuleInit(): void {
    this.quoteStateSub = this.rt.bus.nc.subscribe(this.rt.bus.subject(OPTIMIZER_QUOTE_STATE_SUBJECT), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const { at, state } = decodeJson<{ at: number; state: QuoteState }>(msg.data);
          // `at` (the optimizer's clock) orders the states; freshness is judged by this copy's clock.
          if (!this.quoteState || at > this.quoteState.at) this.quoteState = { at, receivedAt: Date.now(), optimizer: Optimizer.fromQuoteState(state) };
        } catch (e) {
          this.rt.logger.warn({ err: String(e) }, 'a quote state that could not be read');
        }
      },
    });
    const prefix = this.rt.bus.subject('');
    this.execution = this.rt.bus.nc.subscribe(this.rt.bus.subject(ENGINE_SUBJECTS.allExecution), {
      queue: 'auction',
      callback: (err, msg) => {
        if (err) return;
        const [, engineId, outcomeId, kind] = msg.subject.slice(prefix.length).split('.');
        const payload = decodeJson<Record<string, unknown>>(msg.data);
        // Reports of one outcome, one after another in this process; `seq` orders them across copies.
        this.work.run(this.reports.run(outcomeId!, () => this.onReport(engineId!, outcomeId!, kind as ExecutionKind, payload)));
      },
    });
    this.timers = setInterval(() => this.work.run(this.fireDueTimers()), 250);
    const onNotice = (subject: string, handle: (body: Record<string, string>) => void) =>
      this.rt.bus.nc.subscribe(this.rt.bus.subject(subject), { callback: (err, msg) => void (err || handle(decodeJson<Record<string, string>>(msg.data))) });
    this.notices = [
      onNotice(CHANGE_NOTICES.config, ({ config_id: id }) => this.configs.deleteWhere((key) => key.endsWith(`/${id}`))),
      onNotice(CHANGE_NOTICES.engine, () => this.eligible.clear()),
    ];
  }

  private configOf(buyerId: string, configId: string): Promise<Config> {
    return this.configs.get(`${buyerId}/${configId}`, () => this.request<Config>(CATALOG_COMMANDS.getConfig, { buyer_id: buyerId, config_id: configId }));
  }

  /** Fires the due timers this copy claims (see `LeasedTimers`). */
  private async fireDueTimers(): Promise<void> {
    const due = await this.timerTable.claimDue();
    await Promise.all(
      due.map(async (t) => {
        // This process is running that auction still (a webhook engine weighing an award): the lease stands, and the timer comes back.
        if (t.kind === 'auction' && this.auctioning.has(t.outcome_id)) return;
        await this.fire(t.outcome_id, t.kind);
        await this.timerTable.done(t);
      }),
    );
  }

  private async fire(outcomeId: string, kind: TimerKind): Promise<void> {
    const { state } = await this.aggregates.load(outcomes, outcomeId);
    if (state.status === 'empty') return;
    if (kind === 'handoff') return state.status === 'escalated' && !state.handoff?.settled ? this.handOff(state) : undefined;
    const now = new Date();
    // The copy that ran this auction is gone: run it again (its reservation, if any, is reused).
    if (kind === 'auction' && state.status === 'auctioning') return this.auctionAgain(state);
    if (kind === 'max_latency') {
      if (state.status !== 'running') return;
      const after = await this.apply(outcomeId, { type: 'TimeOut', now }, 'timer');
      await this.releaseFor(state);
      if (after.status === 'auctioning') await this.auctionAgain(after);
      return;
    }
    const hard = state.request.delivery.deadlineType === 'hard';
    if (state.status !== 'running' && !(kind === 'deadline' && state.status === 'auctioning')) return;
    if (!hard) {
      await this.apply(outcomeId, { type: 'MarkLate', now }, 'timer');
      return;
    }
    await this.apply(outcomeId, { type: 'Escalate', now, trigger: 'deadline', details: 'the hard deadline passed' }, 'timer');
    if (state.status === 'running') await this.releaseFor(state);
  }

  /** Runs the auction of a recorded outcome again, without the engines that already had it. */
  private async auctionAgain(state: LiveOutcome): Promise<void> {
    const config = await this.configOf(state.request.buyerId, state.request.configId);
    await this.auction(state.request, config, state.declinedBy);
  }

  async onModuleDestroy(): Promise<void> {
    this.execution?.unsubscribe();
    this.quoteStateSub?.unsubscribe();
    for (const s of this.notices) s.unsubscribe();
    clearInterval(this.timers);
    await this.work.settled();
  }

  /**
   * Records the request and answers at once; the auction runs on. It starts while the request is
   * being recorded (the engines' load is read, the ceiling held on the budget and the bids asked
   * meanwhile), and commits to nothing the engines see before the request is recorded: no loss
   * notice or award. A request that could not be recorded was never placed: its hold goes back,
   * and its bidders hear nothing more, as for any bid that does not win. A copy already running as
   * many auctions as it may refuses before recording anything: the caller retries (503,
   * Retry-After), and latency stays bounded for what was accepted.
   */
  async place(buyerId: string, actor: string, configId: string, input: unknown, metadata: Record<string, string>, turn?: { sessionId: string; outcomeId: string }): Promise<LiveOutcome> {
    if (this.auctioning.size >= this.config.maxAuctionsInFlight) throw new CommandError('UNAVAILABLE', 'the marketplace is at capacity; retry in a moment');
    const config = await this.configOf(buyerId, configId).catch(passOn);
    if (config.status !== 'launched') throw new OutcomeRefused('RULE_VIOLATION', `configuration ${configId} is ${config.status}`, [{ field: 'config_id', reason: `is ${config.status}; only a launched configuration takes requests` }]);
    const outcomeId = turn?.outcomeId ?? newId('out');
    const d = config.delivery_constraints;
    const delivery = { maxLatencySeconds: d.max_latency_seconds, deadlineSeconds: d.deadline_seconds, deadlineType: d.deadline_type, maxAttempts: d.max_attempts };
    const request = { outcomeId, buyerId, configId, configVersion: config.version, outcomeType: config.outcome_type, input, metadata, delivery, by: actor, ...(turn ? { sessionId: turn.sessionId } : {}) };
    // A new id: its stream is empty, nothing to read.
    this.outcomeStates.set(outcomeId, { state: initialOutcomeState(), version: 0n });
    const recorded = this.apply(outcomeId, { type: 'RequestOutcome', now: new Date(), request }, actor);
    this.work.run(this.auction(request, config, [], recorded));
    return recorded;
  }

  async startSession(buyerId: string, actor: string, configId: string): Promise<LiveSession> {
    const config = await this.configOf(buyerId, configId).catch(passOn);
    if (config.status !== 'launched') throw new SessionRefused('RULE_VIOLATION', `configuration ${configId} is ${config.status}`, [{ field: 'config_id', reason: `is ${config.status}; only a launched configuration takes requests` }]);
    const sessionId = newId('sess');
    return this.onSession(sessionId, { type: 'StartSession', sessionId, buyerId, configId, by: actor, now: new Date() }, actor);
  }

  /** The next turn: an outcome that goes to the session's engine once the first turn bound one. */
  async takeTurn(buyerId: string, actor: string, sessionId: string, input: unknown): Promise<LiveOutcome> {
    const outcomeId = newId('out');
    const session = await this.onSession(sessionId, { type: 'StartTurn', buyerId, outcomeId, now: new Date() }, actor);
    try {
      return await this.place(buyerId, actor, session.configId, input, {}, { sessionId, outcomeId });
    } catch (err) {
      // The turn never started: the session takes the next one.
      await this.onSession(sessionId, { type: 'EndTurn', outcomeId, ended: 'completed', keepOpen: true, now: new Date() }, actor);
      throw err;
    }
  }

  async getSession(buyerId: string, sessionId: string): Promise<LiveSession> {
    const { state } = await this.aggregates.load(sessions, sessionId);
    if (state.status === 'empty' || state.buyerId !== buyerId) throw new SessionRefused('NOT_FOUND', `session ${sessionId} does not exist`);
    return state;
  }

  private async onSession(sessionId: string, command: SessionCommand, actor: string): Promise<LiveSession> {
    const { state } = await this.aggregates.execute(sessions, sessionId, (s) => decideSession(command, s), { actor, retries: 20 });
    if (state.status === 'empty') throw new SessionRefused('NOT_FOUND', `session ${sessionId} does not exist`);
    return state;
  }

  /** The buyer's outcomes and sessions among these ids (others' and unknown ones are simply absent), for the Conversions API. */
  async lookup(buyerId: string, outcomeIds: readonly string[], sessionIds: readonly string[]): Promise<OutcomeLookup> {
    const { rows } = await this.rt.pool.query<{ outcome_id: string; session_id: string | null; status: string; engine_id: string | null; outcome_type: string; config_id: string; ended_at: Date | null; at: Date }>(
      `SELECT outcome_id, session_id, status, engine_id, outcome_type, config_id, ended_at, requested_at AS at
         FROM auction.outcomes WHERE buyer_id = $1 AND (outcome_id = ANY($2) OR session_id = ANY($3))`,
      [buyerId, outcomeIds, sessionIds],
    );
    const sessions = new Map<string, Array<{ id: string; at: number }>>();
    for (const r of rows) if (r.session_id && sessionIds.includes(r.session_id)) sessions.set(r.session_id, [...(sessions.get(r.session_id) ?? []), { id: r.outcome_id, at: r.at.getTime() }]);
    return {
      outcomes: rows.map((r) => ({ outcome_id: r.outcome_id, session_id: r.session_id, outcome_type: r.outcome_type, config_id: r.config_id, status: r.status, engine_id: r.engine_id, ended_at: r.ended_at?.toISOString() ?? null })),
      sessions: [...sessions].map(([sessionId, turns]) => ({ session_id: sessionId, outcome_ids: turns.sort((a, b) => a.at - b.at).map((t) => t.id) })),
    };
  }

  /** Settlement's verdict on a reservation: charged, released or refunded on the budget. */
  async settleBudget(budgetId: string, reservationId: string, action: 'charge' | 'release' | 'refund', chargeMicros: number): Promise<void> {
    if (action === 'charge') await this.budgetBook.charge(budgetId, reservationId, chargeMicros);
    else if (action === 'release') await this.budgetBook.release(budgetId, reservationId);
    else await this.budgetBook.refund(budgetId, reservationId);
  }

  async get(buyerId: string, outcomeId: string): Promise<LiveOutcome> {
    const { state } = await this.aggregates.load(outcomes, outcomeId);
    if (state.status === 'empty' || state.request.buyerId !== buyerId) throw new OutcomeRefused('NOT_FOUND', `outcome ${outcomeId} does not exist`);
    return state;
  }

  /** The outcome's events after a version, in order, for the buyer's event stream. */
  async events(buyerId: string, outcomeId: string, afterVersion: number, limit: number): Promise<{ events: Array<{ version: number; event: OutcomeEvent }>; ended: boolean }> {
    const state = await this.get(buyerId, outcomeId);
    const recorded = await this.rt.store.readStream(`outcome-${outcomeId}`, { fromVersion: afterVersion + 1, limit });
    const ended = ['completed', 'escalated', 'failed'].includes(state.status);
    const events = recorded.map((e) => ({ version: Number(e.version), event: { type: e.type, data: e.data } as OutcomeEvent }));
    // A turn's end is recorded in its session just after the outcome's (`apply`), so a reader can see
    // the outcome end first. Recording it here too (the session takes it once) means that whoever has
    // seen a turn end finds its session where the turn left it: the next turn can start, the status is right.
    const sessionId = state.request.sessionId;
    if (sessionId) {
      for (const { event: e } of events) {
        const end = turnEnd(e);
        if (end) await this.onSession(sessionId, { type: 'EndTurn', outcomeId, ...end, now: new Date(e.data.at) }, 'auction');
      }
    }
    return { events, ended };
  }

  /** `recorded`: the request's append, when the auction starts before it is done. */
  private async auction(lot: Lot, config: Config, excluded: readonly string[], recorded?: Promise<unknown>): Promise<void> {
    this.auctioning.add(lot.outcomeId);
    try {
      await this.runAuction(lot, config, excluded, recorded);
    } finally {
      this.auctioning.delete(lot.outcomeId);
    }
  }

  private async runAuction(lot: Lot, config: Config, excluded: readonly string[], recorded?: Promise<unknown>): Promise<void> {
    const { outcomeId, sessionId } = lot;
    const prefs = config.execution_preferences;
    const capabilities = [...prefs.capability_requirements].sort();
    const engines = await this.eligible.get(`${config.outcome_type}|${capabilities.join(',')}`, () =>
      this.request<EligibleEngine[]>(ENGINE_COMMANDS.eligible, { outcome_type: config.outcome_type, capabilities }),
    );
    const candidates = engines.filter(
      (e) => !excluded.includes(e.id) && engineAllowed({ allowedEngines: prefs.allowed_engines, blockedEngines: prefs.blocked_engines, requiredEngine: prefs.required_engine }, e.name),
    );
    // The optimizer's quote, asked while the capacity and the session's engine are looked up.
    const quoting = this.quote(lot.buyerId, config, candidates);
    const [busy, bound] = await Promise.all([this.runningCounts(candidates.map((e) => e.id)), sessionId === undefined ? null : this.boundEngine(sessionId)]);
    const invited = candidates.filter((e) => (bound === null || e.id === bound) && (busy.get(e.id) ?? 0) < e.max_concurrent_outcomes);
    const quote = await quoting;
    // False when the request could not be recorded: there is no outcome to close, escalate or award.
    const placed = recorded ? recorded.then(() => true, () => false) : Promise.resolve(true);
    const pricing = quote.fromOptimizer
      ? { strategy: quote.strategy, ceilingMicros: quote.ceiling_micros, goal: quote.goal, probabilities: quote.probabilities, explored: quote.explored }
      : undefined;
    if (quote.escalate) {
      if (!(await placed)) return;
      // No engine is likely enough to succeed: escalate now rather than buy a probable failure.
      const close: OutcomeCommand = { type: 'CloseAuction', now: new Date(), result: { invited: invited.length, bids: [], losses: [], ...(pricing ? { pricing } : {}) } };
      await this.apply(outcomeId, [close, { type: 'Escalate', now: new Date(), trigger: quote.escalate.trigger, details: quote.escalate.details }], 'auction');
      return;
    }
    const budget = config.budget!;
    const budgetId = `${config.id}.${periodKey(budget.period as BudgetPeriod, new Date())}`;
    const limitMicros = parseUsd(budget.amount);
    // One reservation per attempt: an attempt that ended (declined, timed out) released its own.
    const reservationId = `${outcomeId}:${excluded.length}`;
    // With a ceiling, the most this auction can clear at is held while the bids come in, so the
    // award need not wait for a reservation after the auction closes (see `reserveClearing`).
    // Only on a budget with room for a ceiling for every auction this copy may run: near its end,
    // holds above the prices would refuse auctions that exact reservations let through.
    const ceiling = quote.ceiling_micros;
    const hold =
      ceiling !== null && invited.length > 0 && this.budgetBook.hasRoom(budgetId, limitMicros, ceiling * this.config.maxAuctionsInFlight)
        ? this.holdCeiling(budgetId, reservationId, ceiling, limitMicros)
        : undefined;
    const { bids, late } = await this.collectBids(outcomeId, config, invited);
    const own = quote.engine_ceilings;
    const result = runAuction({
      bids,
      late,
      ceilingMicros: quote.ceiling_micros,
      ...(own ? { engineCeiling: (id: string) => own[id] ?? null } : {}),
      successProbability: (id) => quote.probabilities[id] ?? this.config.priorSuccess,
      preferredEngine: prefs.preferred_engine,
    });
    if (!(await placed)) {
      if (hold) this.work.run(this.releaseHold(hold, budgetId, reservationId));
      return;
    }
    for (const loss of result.losses) {
      const notice: LossNotice = { outcome_id: outcomeId, reason: loss.reason, price_to_beat: loss.priceToBeatMicros === null ? null : formatUsd(loss.priceToBeatMicros) };
      const transport = invited.find((e) => e.id === loss.engineId)?.transport ?? 'nats';
      this.lossNotices.tell(this.rt.bus.subject(subjectsFor(transport).notice(loss.engineId)), JSON.stringify(notice));
    }
    const now = () => new Date();
    // The close is recorded with what follows it (escalation, award or decline): one append instead of two.
    const close: OutcomeCommand = {
      type: 'CloseAuction',
      now: now(),
      result: { invited: invited.length, bids: bids.map((b) => ({ engineId: b.engineId, priceMicros: b.priceMicros })), losses: result.losses, ...(pricing ? { pricing } : {}) },
    };
    if (result.outcome === 'no_bid') {
      if (hold) this.work.run(this.releaseHold(hold, budgetId, reservationId));
      await this.apply(outcomeId, [close, { type: 'Escalate', now: now(), trigger: 'no_bid', details: invited.length === 0 ? 'no eligible engine' : 'no eligible bid' }], 'auction');
      return;
    }
    const { winner, clearingPriceMicros } = result;
    try {
      await this.reserveClearing(budgetId, reservationId, clearingPriceMicros, limitMicros, hold);
    } catch (err) {
      if (!(err instanceof BudgetRefused)) throw err;
      if (hold) this.work.run(this.releaseHold(hold, budgetId, reservationId));
      await this.apply(outcomeId, [close, { type: 'Escalate', now: now(), trigger: 'budget_exhausted', details: err.message }], 'auction');
      return;
    }
    const answer = await this.award(lot, config, winner, invited.find((e) => e.id === winner.engineId)!.transport, clearingPriceMicros);
    if (answer.acknowledged) {
      await this.apply(outcomeId, [close, { type: 'Award', now: now(), award: { engineId: winner.engineId, engineName: winner.engineName, clearingPriceMicros, budgetId, reservationId } }], 'auction');
      return;
    }
    await this.release(budgetId, reservationId);
    await this.apply(outcomeId, [close, { type: 'DeclineAward', now: now(), engineId: winner.engineId, reason: answer.reason }], 'auction');
    if (excluded.length + 1 < config.delivery_constraints.max_attempts) return this.runAuction(lot, config, [...excluded, winner.engineId]);
    await this.apply(outcomeId, { type: 'Escalate', now: now(), trigger: 'max_attempts', details: 'every winner declined the award' }, 'auction');
  }

  /** Holds `ceilingMicros` on the budget under the attempt's reservation; answers what is held (0: nothing, the budget could not). */
  private holdCeiling(budgetId: string, reservationId: string, ceilingMicros: number, limitMicros: number): Promise<number> {
    return this.budgetBook.reserve(budgetId, reservationId, ceilingMicros, limitMicros).catch((err: unknown) => {
      if (!(err instanceof BudgetRefused)) this.rt.logger.warn({ err: String(err), budgetId }, 'a ceiling could not be held: the clearing price is reserved after the auction');
      return 0;
    });
  }

  /**
   * The clearing price reserved, before the award goes out. A hold that covers it is enough: the
   * award goes at once, and the hold is brought down to the price meanwhile (in the budget's next
   * append; settlement and release come after it, in the budget's order). Otherwise the price is
   * reserved now, or the hold raised to it; `BudgetRefused` when the budget cannot.
   */
  private async reserveClearing(budgetId: string, reservationId: string, priceMicros: number, limitMicros: number, hold: Promise<number> | undefined): Promise<void> {
    const held = hold ? await hold : 0;
    if (held >= priceMicros) {
      if (held > priceMicros) this.work.run(this.budgetBook.adjust(budgetId, reservationId, priceMicros, limitMicros));
      return;
    }
    if (held > 0) return this.budgetBook.adjust(budgetId, reservationId, priceMicros, limitMicros);
    await this.budgetBook.reserve(budgetId, reservationId, priceMicros, limitMicros);
  }

  /** A hold the auction no longer needs (no bid, or the request was never recorded) goes back. */
  private async releaseHold(hold: Promise<number>, budgetId: string, reservationId: string): Promise<void> {
    if ((await hold) > 0) await this.budgetBook.release(budgetId, reservationId);
  }

  /**
   * The delivery optimizer's quote for this auction: P(success) per engine, the ceiling, whether to
   * escalate at once. From the optimizer's published quote state when this copy holds a fresh one
   * (no round trip), else asked; when it does not answer in time, the prior and a fixed ceiling
   * stand in.
   */
  private async quote(buyerId: string, config: Config, engines: readonly EligibleEngine[]): Promise<QuoteAnswer & { fromOptimizer: boolean }> {
    const cmd = quoteCommand(buyerId, config, engines.map((e) => e.id), new Date());
    if (engines.length === 0) return { ...fallbackQuote(cmd, this.config.priorSuccess, this.config.costGoalCeilingPercent), fromOptimizer: false };
    const local = this.quoteState;
    if (local && Date.now() - local.receivedAt <= this.config.quoteStateMaxAgeMs) return { ...answerQuote(local.optimizer, cmd, Date.now(), Math.random), fromOptimizer: true };
    try {
      return { ...(await requestCommand<QuoteAnswer>(this.rt.bus, OPTIMIZER_COMMANDS.quote, cmd, { timeoutMs: this.config.quoteTimeoutMs })), fromOptimizer: true };
    } catch (err) {
      this.rt.logger.warn({ err: String(err) }, 'no quote from the delivery optimizer: pricing with the prior and a fixed ceiling');
      return { ...fallbackQuote(cmd, this.config.priorSuccess, this.config.costGoalCeilingPercent), fromOptimizer: false };
    }
  }

  /** A turn after a session's first goes only to the engine the session is bound to. */
  private async boundEngine(sessionId: string): Promise<string | null> {
    const { state } = await this.aggregates.load(sessions, sessionId);
    return state.status === 'empty' ? null : state.engineId;
  }

  private async collectBids(outcomeId: string, config: Config, invited: readonly EligibleEngine[]): Promise<{ bids: Bid[]; late: Bid[] }> {
    const request: BidRequest = {
      outcome_id: outcomeId,
      outcome_type: config.outcome_type,
      tmax_ms: this.config.tmaxMs,
      capability_requirements: config.execution_preferences.capability_requirements,
      latency_preference: config.delivery_constraints.latency_preference,
      max_latency_seconds: config.delivery_constraints.max_latency_seconds,
    };
    const bids: Bid[] = [];
    const late: Bid[] = [];
    // Encoded once for every engine; it goes in each engine's batch of this moment.
    const encoded = JSON.stringify(request);
    await Promise.all(
      invited.map(async (e) => {
        const got = await this.bidRequests.ask(this.rt.bus.subject(subjectsFor(e.transport).bidRequest(e.id)), encoded);
        if (got.kind === 'late') late.push({ engineId: e.id, engineName: e.name, priceMicros: 0, receivedAt: Date.now() });
        else if (got.kind === 'answer' && 'price' in got.answer && isUsd(got.answer.price)) bids.push({ engineId: e.id, engineName: e.name, priceMicros: parseUsd(got.answer.price), receivedAt: Date.now() });
      }),
    );
    return { bids, late };
  }

  private async award(lot: Lot, config: Config, winner: Bid, transport: EligibleEngine['transport'], clearingPriceMicros: number): Promise<AwardResponse> {
    const { outcomeId, input } = lot;
    const award: Award = {
      outcome_id: outcomeId,
      buyer_id: lot.buyerId,
      session_id: lot.sessionId ?? null,
      config_id: config.id,
      config_version: config.version,
      outcome_type: config.outcome_type,
      clearing_price: formatUsd(clearingPriceMicros),
      input,
      ...engineFacingConfig(config),
      context_sources: await this.withCredentialRefs(lot, config, winner.engineId),
    };
    const timeout = transport === 'webhook' ? this.config.webhookAwardTimeoutMs : this.config.awardTimeoutMs;
    // A webhook engine may take a while to answer: no copy resumes this auction meanwhile.
    if (transport === 'webhook') await this.rt.pool.query(`UPDATE auction.timers SET due_at = greatest(due_at, now() + $2 * interval '1 millisecond') WHERE outcome_id = $1 AND kind = 'auction'`, [outcomeId, timeout + 5000]);
    try {
      const msg = await requesterFor(this.rt.bus.nc).request(this.rt.bus.subject(subjectsFor(transport).award(winner.engineId)), encodeJson(award), { timeoutMs: timeout });
      return decodeJson<AwardResponse>(msg.data);
    } catch {
      return { acknowledged: false, reason: 'no answer to the award' };
    }
  }

  /** Context sources as the winner gets them: where one needs credentials, a short-lived reference to them. */
  private async withCredentialRefs(lot: Lot, config: Config, engineId: string): Promise<Config['context_sources']> {
    if (!config.context_sources.some((s) => s.has_credentials)) return config.context_sources;
    const refs = await this.request<Record<string, CredentialRef>>(CATALOG_COMMANDS.issueCredentialRefs, {
      buyer_id: lot.buyerId,
      config_id: config.id,
      engine_id: engineId,
      outcome_id: lot.outcomeId,
      ttl_seconds: this.config.credentialRefTtlSeconds,
    });
    return config.context_sources.map((s) => (refs[s.name] ? { ...s, credentials_ref: refs[s.name] } : s));
  }

  private async onReport(engineId: string, outcomeId: string, kind: ExecutionKind, payload: Record<string, unknown>): Promise<void> {
    const seq = Number(payload['seq']);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.report(engineId, outcomeId, kind, seq, payload);
      } catch (err) {
        // An earlier report, or the award itself, is still on its way: wait for it (up to about 10 s).
        if (err instanceof OutcomeRefused && err.code === 'OUT_OF_ORDER' && attempt < 200) await new Promise((r) => setTimeout(r, Math.min(100, 10 + attempt * 5)));
        else throw err;
      }
    }
  }

  private async report(engineId: string, outcomeId: string, kind: ExecutionKind, seq: number, payload: Record<string, unknown>): Promise<void> {
    try {
      const state = await this.apply(outcomeId, { type: 'Report', now: new Date(), engineId, seq, kind, payload }, engineId);
      // Nothing is owed for an escalated or failed outcome, unless the configuration bills escalations in part: then settlement charges what is owed from the reservation.
      if (kind === 'failed' || (kind === 'escalated' && !(await this.billsEscalationsInPart(state)))) await this.releaseFor(state);
    } catch (err) {
      if (err instanceof OutcomeRefused && err.code === 'OUT_OF_ORDER') throw err;
      if (err instanceof OutcomeRefused) this.rt.logger.warn({ engineId, outcomeId, kind }, `refused an execution report: ${err.message}`);
      else this.rt.logger.error({ engineId, outcomeId, kind, err: String(err) }, 'could not record an execution report');
    }
  }

  private async billsEscalationsInPart(state: LiveOutcome): Promise<boolean> {
    const config = await this.configOf(state.request.buyerId, state.request.configId);
    const model = (config.escalation_policy as { partial_billing?: { model?: string } } | null)?.partial_billing?.model ?? 'none';
    return model !== 'none';
  }

  /** Gives back what was reserved for an outcome that owes nothing. */
  private async releaseFor(state: LiveOutcome): Promise<void> {
    if (state.budgetId !== null) await this.release(state.budgetId, state.reservationId ?? state.request.outcomeId);
  }

  private async release(budgetId: string, reservationId: string): Promise<void> {
    await this.budgetBook.release(budgetId, reservationId);
  }

  /**
   * The engines' running counts, a read shared by concurrent auctions of the same engines (one
   * query for all of them). The capacity check can bear counts a few milliseconds old: it never
   * was atomic with the award, and an engine at capacity declines the award.
   */
  private runningCounts(engineIds: readonly string[]): Promise<Map<string, number>> {
    return engineIds.length === 0 ? Promise.resolve(new Map()) : this.engineLoad.get(engineIds);
  }

  /**
   * Decides the commands in turn on the outcome's state and appends what they decide at once. The
   * state this process last wrote is reused when it has it (`Aggregates` checks it against other
   * copies' writes).
   */
  private async apply(outcomeId: string, commands: OutcomeCommand | readonly OutcomeCommand[], actor: string): Promise<LiveOutcome> {
    const list = Array.isArray(commands) ? (commands as readonly OutcomeCommand[]) : [commands as OutcomeCommand];
    const decide = (s: OutcomeState): OutcomeEvent[] => {
      const out: OutcomeEvent[] = [];
      for (const c of list) {
        const events = decideOutcome(c, s);
        out.push(...events);
        s = events.reduce(evolveOutcome, s);
      }
      return out;
    };
    const { state, events } = await this.aggregates.execute(outcomes, outcomeId, decide, { actor, projectInline: this.project, retries: 20, cache: this.outcomeStates });
    if (state.status === 'empty') throw new OutcomeRefused('NOT_FOUND', `outcome ${outcomeId} does not exist`);
    const sessionId = state.request.sessionId;
    if (sessionId) {
      const now = new Date();
      for (const e of events) {
        if (e.type === 'OutcomeAwarded') await this.onSession(sessionId, { type: 'Bind', engineId: e.data.engineId, engineName: e.data.engineName, now }, 'auction');
        const end = turnEnd(e);
        if (end) await this.onSession(sessionId, { type: 'EndTurn', outcomeId, ...end, now }, 'auction');
      }
    }
    return state;
  }

  /**
   * One round of deliveries of an escalation's package to the buyer's hand-off destination (a
   * durable timer fires it): delivered, or failed with the next round scheduled, until the retry
   * schedule runs out and the failure is recorded. No destination configured: nothing to do.
   */
  private async handOff(state: LiveOutcome): Promise<void> {
    const e = state.escalation;
    if (!e) return;
    const target = await this.request<HandoffTarget>(CATALOG_COMMANDS.handoffTarget, { buyer_id: state.request.buyerId, config_id: state.request.configId });
    if (target === null) return;
    const engineSide = (e.handoff ?? {}) as Record<string, unknown>;
    const delivery = await deliver(this.rt.bus, target, {
      handoff_id: `hoff_${state.request.outcomeId.slice(4)}`,
      outcome_id: state.request.outcomeId,
      config_id: state.request.configId,
      escalation_reason: { trigger: e.trigger, details: e.details },
      summary: target.include_summary ? (engineSide['summary'] ?? null) : null,
      transcript: target.include_transcript ? (engineSide['transcript'] ?? []) : null,
      context: target.include_context ? { input: state.request.input, metadata: state.request.metadata } : null,
      work_completed: { percentage: Number(engineSide['work_completed_percent'] ?? 0) },
      priority: 'normal',
      timestamp: e.at,
    }, this.mailer);
    const wait = this.config.handoffRetrySeconds[state.handoff?.rounds ?? 0];
    const retryAt = delivery.failure !== null && wait !== undefined ? new Date(Date.now() + wait * 1000) : null;
    await this.apply(state.request.outcomeId, { type: 'RecordHandoff', now: new Date(), ...delivery, retryAt }, 'auction');
  }

  private request<T>(command: string, payload: unknown): Promise<T> {
    return requestCommand<T>(this.rt.bus, command, payload);
  }
}

/** How an outcome's event ends its session turn, if it does. */
function turnEnd(e: OutcomeEvent): { ended: 'completed' | 'escalated' | 'failed'; keepOpen: boolean } | null {
  switch (e.type) {
    case 'OutcomeCompleted':
      return { ended: 'completed', keepOpen: e.data.sessionOpen };
    case 'OutcomeEscalated':
      return { ended: 'escalated', keepOpen: false };
    case 'OutcomeFailed':
      return { ended: 'failed', keepOpen: false };
    default:
      return null;
  }
}
