import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { decodeEnvelope, encodeJson, fromEnvelope, provision } from '@outcomes/bus';
import { engineFeedbackSubject, formatUsd, OPTIMIZER_QUOTE_STATE_SUBJECT, type PerformanceFeedback, type QuoteAnswer, type QuoteCommand } from '@outcomes/contracts';
import { answerQuote, deliveryIndex, leaderboard, Optimizer, performanceReport, type EngineStanding, type OptimizerSnapshot, type PerformanceQuery } from '@outcomes/domain-optimizer';
import { checkpointOf, compareCheckpoints, parseCheckpoint, serializeCheckpoint, START, type Checkpoint, type RecordedEvent } from '@outcomes/event-store';
import { BackgroundWork, type ServiceRuntime } from '@outcomes/platform';
import type { OptimizerConfig } from '../config';
import { OPTIMIZER_CONFIG, RUNTIME } from '../tokens';
import { FactMapper, LEARNS_FROM } from './facts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A quote state larger than this is not published (a NATS message holds 1 MB). */
const MAX_QUOTE_STATE_BYTES = 900 * 1024;
const SNAPSHOT = 'estimates';
/** Events a sweep reads in one query at most. */
const SWEEP_PAGE = 2000;

interface Stored {
  readonly optimizer: OptimizerSnapshot;
  readonly claims: Record<string, string>;
  /** Events applied beyond the watermark (from JetStream, ahead of the store's order): id -> checkpoint. */
  readonly ahead: Record<string, string>;
}

/**
 * Holds the estimates in memory and keeps them current: at start, the last snapshot and then every
 * event stored after it (the event store is the source of truth); then the events as the relay
 * publishes them to JetStream. The JetStream consumer is opened before the catch-up read, so
 * nothing committed in between is missed.
 *
 * Each event is applied once. The relay publishes a batch's events concurrently, so JetStream keeps
 * each stream's order but not the global one; a live event is therefore not skipped for being
 * behind another. The service keeps a watermark (every stored event up to it is applied) and the
 * ids of events applied beyond it; before each snapshot it sweeps the store from the watermark,
 * applying what JetStream has not brought yet and moving the watermark to the store's head.
 * Every copy of the service learns from every event (no queue group): each answers quotes from a
 * whole model.
 */
@Injectable()
export class OptimizerService implements OnModuleInit, OnModuleDestroy {
  readonly optimizer: Optimizer;
  private readonly mapper = new FactMapper();
  /** Every stored event up to here is applied. */
  private watermark: Checkpoint = START;
  /** Events applied beyond the watermark: id -> checkpoint. */
  private ahead = new Map<string, Checkpoint>();
  private facts = 0;
  private savedFacts = 0;
  private publishedFacts = -1;
  private publishedAt = 0;
  private quoteStateTooLarge = false;
  private live?: ConsumerMessages;
  private readonly work: BackgroundWork;
  private timers: NodeJS.Timeout[] = [];
  /** The sweep under way, or the last one. */
  private sweeps: Promise<number> = Promise.resolve(0);
  /** How the last start went: for logs and tests. */
  startup = { fromSnapshot: false, replayed: 0 };

  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(OPTIMIZER_CONFIG) private readonly config: OptimizerConfig,
  ) {
    this.optimizer = new Optimizer(config.model, config.maxTracked);
    this.work = new BackgroundWork(rt.logger, 'optimizer work');
  }

  async onModuleInit(): Promise<void> {
    await provision(this.rt.bus, { streams: [this.rt.eventsStream] });
    const consumer = await this.rt.bus.js.consumers.get(this.rt.eventsStream.name, {
      // One filter (NATS 2.9 takes no more): every event; those of other categories are skipped.
      filter_subjects: this.rt.bus.subject('evt.>'),
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume();
    await this.restore();
    this.startup = { ...this.startup, replayed: await this.sweep() };
    this.live = messages;
    this.work.run(this.follow(messages));
    this.timers = [
      setInterval(() => this.work.run(this.sweep()), this.config.sweepMs),
      setInterval(() => this.work.run(this.snapshot()), this.config.snapshotSeconds * 1000),
      setInterval(() => this.publishQuoteState(), this.config.quoteStateMs),
      setInterval(() => this.work.run(this.sendFeedback(new Date())), this.config.feedbackSeconds * 1000),
    ];
    this.rt.logger.info({ ...this.startup, checkpoint: serializeCheckpoint(this.watermark) }, 'estimates ready');
  }

  async onModuleDestroy(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.live?.close();
    await this.work.settled();
    await this.snapshot();
  }

  /**
   * What a quote reads, for the auctions' copies: when it changed since the last time (and once a
   * second regardless, so a copy that joined late or lost a message catches up). A state too large
   * for one message is not sent: the auctions then keep asking.
   */
  private publishQuoteState(): void {
    const now = Date.now();
    if (this.facts === this.publishedFacts && now - this.publishedAt < 1000) return;
    const bytes = encodeJson({ at: now, state: this.optimizer.quoteState() });
    if (bytes.length > MAX_QUOTE_STATE_BYTES) {
      if (!this.quoteStateTooLarge) this.rt.logger.warn({ bytes: bytes.length }, 'the quote state is too large to publish: auctions will ask for each quote');
      this.quoteStateTooLarge = true;
      return;
    }
    this.quoteStateTooLarge = false;
    this.rt.bus.nc.publish(this.rt.bus.subject(OPTIMIZER_QUOTE_STATE_SUBJECT), bytes);
    this.publishedFacts = this.facts;
    this.publishedAt = now;
  }

  private async restore(): Promise<void> {
    const { rows } = await this.rt.pool.query<{ checkpoint: string; facts: string; state: Stored | null; state_gz: Buffer | null }>(
      `SELECT checkpoint, facts, state, state_gz FROM optimizer.snapshots WHERE name = $1`,
      [SNAPSHOT],
    );
    const s = rows[0];
    if (!s) return;
    // Snapshots are compressed JSON; one taken before that is jsonb.
    const state = s.state_gz ? (JSON.parse((await gunzipAsync(s.state_gz)).toString('utf8')) as Stored) : s.state!;
    this.optimizer.restore(state.optimizer);
    this.mapper.restore(state.claims);
    this.watermark = parseCheckpoint(s.checkpoint);
    this.ahead = new Map(Object.entries(state.ahead).map(([id, c]) => [id, parseCheckpoint(c)]));
    this.facts = this.savedFacts = Number(s.facts);
    this.startup = { ...this.startup, fromSnapshot: true };
  }

  /**
   * Reads the store from the watermark to its head, applying each event not applied yet, and moves
   * the watermark there. Returns how many events it applied. Sweeps run one after another (two at
   * once would apply the same events twice), every `sweepMs` and before each snapshot: frequent
   * sweeps each read a little, where one every snapshot read half a minute of events at once
   * (without the relay, every event of it: 40% of a core for seconds in the auction benchmark).
   */
  private sweep(): Promise<number> {
    const next = this.sweeps.then(() => this.sweepOnce());
    this.sweeps = next.catch(() => 0);
    return next;
  }

  private async sweepOnce(): Promise<number> {
    let applied = 0;
    for (;;) {
      // Only what the model learns from: the rest (budgets, sessions) stays in the database.
      const batch = await this.rt.store.readCategory(LEARNS_FROM, this.watermark, SWEEP_PAGE);
      for (const e of batch) {
        if (!this.ahead.delete(e.id)) {
          this.learn(e);
          applied++;
        }
        this.watermark = checkpointOf(e);
      }
      // A short page reached the head as it was when read. What was appended since waits for the
      // next sweep: reading on would chase the appends a page of a few events at a time.
      if (batch.length < SWEEP_PAGE) break;
    }
    for (const [id, c] of this.ahead) if (compareCheckpoints(c, this.watermark) <= 0) this.ahead.delete(id);
    return applied;
  }

  /** An event from JetStream: applied unless the store sweep (or an earlier delivery) applied it. */
  private onLive(e: RecordedEvent): void {
    if (!(LEARNS_FROM as readonly string[]).includes(e.category)) return;
    const at = checkpointOf(e);
    if (compareCheckpoints(at, this.watermark) <= 0 || this.ahead.has(e.id)) return;
    this.ahead.set(e.id, at);
    this.learn(e);
  }

  /** `e` is of a category the model learns from: sweeps read only those, and `onLive` passes over the rest. */
  private learn(e: RecordedEvent): void {
    for (const f of this.mapper.facts(e)) {
      this.optimizer.apply(f);
      this.facts++;
    }
  }

  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      try {
        this.onLive(fromEnvelope(decodeEnvelope(m.data)));
      } catch (err) {
        this.rt.logger.warn({ subject: m.subject, err: String(err) }, 'an event the optimizer could not learn from');
      }
    }
  }

  /** Sweeps the store, then saves the estimates if they changed since the last snapshot. */
  async snapshot(): Promise<boolean> {
    await this.sweep();
    if (this.facts === this.savedFacts) return false;
    const facts = this.facts;
    const ahead = Object.fromEntries([...this.ahead].map(([id, c]) => [id, serializeCheckpoint(c)]));
    const state: Stored = { optimizer: this.optimizer.snapshot(), claims: this.mapper.snapshot(), ahead };
    const checkpoint = serializeCheckpoint(this.watermark);
    // Compressed off the event loop (zlib's thread pool), stored as bytes PostgreSQL neither parses nor compresses again.
    const compressed = await gzipAsync(JSON.stringify(state), { level: 1 });
    await this.rt.pool.query(
      `INSERT INTO optimizer.snapshots (name, checkpoint, facts, state, state_gz, taken_at) VALUES ($1, $2, $3, NULL, $4, now())
       ON CONFLICT (name) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, facts = EXCLUDED.facts, state = NULL, state_gz = EXCLUDED.state_gz, taken_at = now()
       WHERE optimizer.snapshots.facts <= EXCLUDED.facts`,
      [SNAPSHOT, checkpoint, facts, compressed],
    );
    this.savedFacts = facts;
    return true;
  }

  /** How far the model has read, and how many facts it learned from. */
  progress(): { checkpoint: string; facts: number; ahead: number } {
    return { checkpoint: serializeCheckpoint(this.watermark), facts: this.facts, ahead: this.ahead.size };
  }

  quote(cmd: QuoteCommand): QuoteAnswer {
    return answerQuote(this.optimizer, cmd, Date.now(), Math.random);
  }

  performance(q: PerformanceQuery): ReturnType<typeof performanceReport> {
    return performanceReport(this.optimizer.estimates, q);
  }

  leaderboard(outcomeType?: string): EngineStanding[] {
    return leaderboard(this.optimizer.estimates, Date.now(), outcomeType);
  }

  /**
   * A round of engine feedback: for each engine and outcome type with work since the last round,
   * what happened to it (awards, and how the outcomes that ended ended) and the indices, on
   * `engine.<id>.feedback`. The round counts the events stored since the last round's checkpoint
   * (`optimizer.feedback_rounds`); a copy claims the round by moving that checkpoint, so copies never
   * send the same round twice. Returns what it sent (nothing if another copy claimed the round).
   */
  async sendFeedback(now: Date): Promise<PerformanceFeedback[]> {
    const { rows } = await this.rt.pool.query<{ checkpoint: string; sent_at: Date }>(`SELECT checkpoint, sent_at FROM optimizer.feedback_rounds WHERE name = 'engines'`);
    const round = rows[0];
    if (!round) return [];
    type Tally = { outcomes: number; completed: number; escalated: number; failed: number; timed_out: number };
    const tallies = new Map<string, Tally>();
    const types = new Map<string, string>();
    let to = parseCheckpoint(round.checkpoint);
    for (;;) {
      const batch = await this.rt.store.readAll(to, 2000);
      if (batch.length === 0) break;
      for (const e of batch) {
        to = checkpointOf(e);
        if (e.category !== 'outcome') continue;
        const d = e.data as { outcomeId: string; outcomeType?: string; engineId?: string | null };
        if (e.type === 'OutcomeRequested') types.set(d.outcomeId, d.outcomeType!);
        const result = { OutcomeAwarded: 'outcomes', OutcomeCompleted: 'completed', OutcomeEscalated: 'escalated', OutcomeFailed: 'failed', ExecutionTimedOut: 'timed_out' }[e.type] as keyof Tally | undefined;
        if (!result || !d.engineId) continue;
        const type = types.get(d.outcomeId) ?? this.optimizer.estimates.outcome(d.outcomeId)?.type;
        if (!type) continue;
        const key = `${d.engineId}|${type}`;
        const t = tallies.get(key) ?? { outcomes: 0, completed: 0, escalated: 0, failed: 0, timed_out: 0 };
        t[result]++;
        tallies.set(key, t);
      }
    }
    const claimed = await this.rt.pool.query(`UPDATE optimizer.feedback_rounds SET checkpoint = $1, sent_at = $2 WHERE name = 'engines' AND checkpoint = $3`, [serializeCheckpoint(to), now, round.checkpoint]);
    if (claimed.rowCount !== 1) return [];
    const board = new Map(this.leaderboard().map((s) => [`${s.engineId}|${s.outcomeType}`, s]));
    const sent: PerformanceFeedback[] = [];
    for (const [key, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
      const [engineId, type] = key.split('|') as [string, string];
      const s = board.get(key);
      const feedback: PerformanceFeedback = {
        engine_id: engineId,
        outcome_type: type,
        start_date: round.sent_at.toISOString(),
        end_date: now.toISOString(),
        ...t,
        delivery_index: deliveryIndex({ completed: t.completed, escalated: t.escalated, failed: t.failed, timedOut: t.timed_out }),
        performance_index: s?.performanceIndex ?? null,
        success_probability: Math.round((s?.successProbability ?? this.optimizer.settings.priorMean) * 1000) / 1000,
        expected_cost_per_success: s?.expectedCostPerSuccessMicros == null ? null : formatUsd(s.expectedCostPerSuccessMicros),
      };
      this.rt.bus.nc.publish(this.rt.bus.subject(engineFeedbackSubject(engineId)), encodeJson(feedback));
      sent.push(feedback);
    }
    return sent;
  }
}
