import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AUCTION_COMMANDS,
  formatUsd,
  GetOutcomeCommand,
  GetSessionCommand,
  LookupOutcomesCommand,
  BUDGET_SETTLE,
  SettleBudgetCommand,
  OUTCOME_LOOKUP,
  type OutcomeLookup,
  OutcomeEventsCommand,
  PlaceOutcomeCommand,
  StartSessionCommand,
  TakeTurnCommand,
  type OutcomeStreamEvent,
} from '@outcomes/contracts';
import type { OutcomeEvent } from '@outcomes/domain-auction';
import { OutcomesService, type LiveOutcome, type LiveSession } from './outcomes.service';

export const outcomeView = (o: LiveOutcome) => ({
  id: o.request.outcomeId,
  object: 'outcome' as const,
  status: o.status,
  config_id: o.request.configId,
  outcome_type: o.request.outcomeType,
  engine: o.engineId === null ? null : { id: o.engineId, name: o.engineName },
  price: o.clearingPriceMicros === null ? null : formatUsd(o.clearingPriceMicros),
  latency_ms: o.endedAt === null ? null : Date.parse(o.endedAt) - Date.parse(o.request.at),
  late: o.late,
  session_id: o.request.sessionId ?? null,
  metadata: o.request.metadata,
  created_at: o.request.at,
  awarded_at: o.awardedAt,
  ended_at: o.endedAt,
});

export const sessionView = (s: LiveSession) => ({
  id: s.sessionId,
  object: 'session' as const,
  status: s.status,
  config_id: s.configId,
  engine: s.engineId === null ? null : { id: s.engineId, name: s.engineName },
  turns: s.turns,
  turn_running: s.openTurn,
  started_at: s.startedAt,
  ended_at: s.endedAt,
});

/** What the buyer sees of each step: no other engine's bid, no internal ids beyond the engine's. */
export function publicEvent(version: number, e: OutcomeEvent): OutcomeStreamEvent {
  const at = e.data.at;
  switch (e.type) {
    case 'OutcomeRequested':
      return { version, event: 'requested', data: { config_id: e.data.configId, outcome_type: e.data.outcomeType }, at };
    case 'AuctionClosed':
      return { version, event: 'auction_closed', data: { engines_invited: e.data.invited, bids: e.data.bids.length }, at };
    case 'AwardDeclined':
      return { version, event: 'award_declined', data: { engine_id: e.data.engineId, reason: e.data.reason }, at };
    case 'OutcomeAwarded':
      return { version, event: 'awarded', data: { engine: { id: e.data.engineId, name: e.data.engineName }, price: formatUsd(e.data.clearingPriceMicros) }, at };
    case 'ExecutionReported':
      return { version, event: e.data.kind === 'message' ? 'assistant' : e.data.kind, data: e.data.payload, at };
    case 'OutcomeCompleted':
      return { version, event: 'complete', data: { result: e.data.result, artifacts: e.data.artifacts }, at };
    case 'OutcomeEscalated':
      return { version, event: 'escalated', data: { trigger: e.data.trigger, details: e.data.details }, at };
    case 'OutcomeFailed':
      return { version, event: 'failed', data: { reason: e.data.reason }, at };
    case 'OutcomeMarkedLate':
      return { version, event: 'late', data: {}, at };
    case 'ExecutionTimedOut':
      return { version, event: 'timed_out', data: { engine_id: e.data.engineId }, at };
    case 'HandoffDelivered':
      return { version, event: 'handoff_delivered', data: { destination: e.data.destination, attempts: e.data.attempts }, at };
    case 'HandoffFailed':
      return { version, event: 'handoff_failed', data: { destination: e.data.destination, attempts: e.data.attempts, reason: e.data.reason }, at };
    case 'HandoffRetryScheduled':
      return { version, event: 'handoff_retry_scheduled', data: { destination: e.data.destination, attempts: e.data.attempts, reason: e.data.reason, retry_at: e.data.retryAt }, at };
    default: {
      const unhandled: never = e;
      return unhandled;
    }
  }
}

@Controller()
export class OutcomesHandlers {
  constructor(private readonly outcomes: OutcomesService) {}

  @MessagePattern(AUCTION_COMMANDS.place)
  async place(@Payload() cmd: PlaceOutcomeCommand): Promise<unknown> {
    return outcomeView(await this.outcomes.place(cmd.buyer_id, cmd.actor, cmd.config_id, cmd.input, cmd.metadata ?? {}));
  }

  @MessagePattern(AUCTION_COMMANDS.events)
  async events(@Payload() cmd: OutcomeEventsCommand): Promise<{ events: OutcomeStreamEvent[]; ended: boolean }> {
    const { events, ended } = await this.outcomes.events(cmd.buyer_id, cmd.outcome_id, cmd.after_version, cmd.limit ?? 200);
    return { events: events.map((e) => publicEvent(e.version, e.event)), ended };
  }

  @MessagePattern(AUCTION_COMMANDS.startSession)
  async startSession(@Payload() cmd: StartSessionCommand): Promise<unknown> {
    return sessionView(await this.outcomes.startSession(cmd.buyer_id, cmd.actor, cmd.config_id));
  }

  @MessagePattern(AUCTION_COMMANDS.takeTurn)
  async takeTurn(@Payload() cmd: TakeTurnCommand): Promise<unknown> {
    return outcomeView(await this.outcomes.takeTurn(cmd.buyer_id, cmd.actor, cmd.session_id, cmd.input));
  }

  @MessagePattern(AUCTION_COMMANDS.getSession)
  async getSession(@Payload() cmd: GetSessionCommand): Promise<unknown> {
    return sessionView(await this.outcomes.getSession(cmd.buyer_id, cmd.session_id));
  }

  @MessagePattern(BUDGET_SETTLE)
  async settleBudget(@Payload() cmd: SettleBudgetCommand): Promise<{ ok: true }> {
    await this.outcomes.settleBudget(cmd.budget_id, cmd.reservation_id, cmd.action, cmd.charge_micros ?? 0);
    return { ok: true };
  }

  @MessagePattern(OUTCOME_LOOKUP)
  lookup(@Payload() cmd: LookupOutcomesCommand): Promise<OutcomeLookup> {
    return this.outcomes.lookup(cmd.buyer_id, cmd.outcome_ids, cmd.session_ids);
  }

  @MessagePattern(AUCTION_COMMANDS.get)
  async get(@Payload() cmd: GetOutcomeCommand): Promise<unknown> {
    return outcomeView(await this.outcomes.get(cmd.buyer_id, cmd.outcome_id));
  }
}
