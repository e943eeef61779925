/**
 * One outcome request, from the buyer's request through the auction to the engine's last word.
 * Every step is an event on its stream, so its whole history can be read back.
 */
export type OutcomeStatus = 'auctioning' | 'running' | 'completed' | 'escalated' | 'failed';

export interface OutcomeRequestedData {
  readonly outcomeId: string;
  readonly buyerId: string;
  readonly configId: string;
  readonly configVersion: number;
  readonly outcomeType: string;
  readonly input: unknown;
  readonly metadata: Readonly<Record<string, string>>;
  /** The session this outcome is a turn of, if any. */
  readonly sessionId?: string;
  /** The configuration's delivery constraints when requested: durable timers follow them. */
  readonly delivery: {
    readonly maxLatencySeconds: number;
    readonly deadlineSeconds: number | null;
    readonly deadlineType: 'hard' | 'soft';
    /** How many engines may be awarded the outcome in turn (after a timeout); absent in old events: 1. */
    readonly maxAttempts?: number;
  };
  readonly at: string;
  readonly by: string;
}

export type OutcomeEvent =
  | { readonly type: 'OutcomeRequested'; readonly data: OutcomeRequestedData }
  | {
      readonly type: 'AuctionClosed';
      readonly data: {
        readonly outcomeId: string;
        readonly invited: number;
        readonly bids: ReadonlyArray<{ readonly engineId: string; readonly priceMicros: number }>;
        readonly losses: ReadonlyArray<{ readonly engineId: string; readonly reason: string; readonly priceToBeatMicros: number | null }>;
        /**
         * What the auction priced with (absent in old events, and when the optimizer did not answer):
         * the strategy's ceiling and goal, P(success) per engine, the engines explored. The delivery
         * optimizer replays its controllers from it.
         */
        readonly pricing?: {
          readonly strategy: string;
          readonly ceilingMicros: number | null;
          readonly goal: number | null;
          readonly probabilities: Readonly<Record<string, number>>;
          readonly explored: readonly string[];
        };
        readonly at: string;
      };
    }
  | { readonly type: 'AwardDeclined'; readonly data: { readonly outcomeId: string; readonly engineId: string; readonly reason: string; readonly at: string } }
  | {
      readonly type: 'OutcomeAwarded';
      /** `budgetId` and `reservationId`: where the clearing price is reserved, to release or settle it later. */
      readonly data: {
        readonly outcomeId: string;
        readonly engineId: string;
        readonly engineName: string;
        readonly clearingPriceMicros: number;
        readonly budgetId: string;
        readonly reservationId?: string;
        readonly at: string;
      };
    }
  | {
      readonly type: 'ExecutionReported';
      readonly data: { readonly outcomeId: string; readonly engineId: string; readonly seq: number; readonly kind: 'message' | 'tool_call' | 'checkpoint'; readonly payload: unknown; readonly at: string };
    }
  | {
      readonly type: 'OutcomeCompleted';
      /** `sessionOpen`: a session turn answered, with the conversation going on. */
      readonly data: { readonly outcomeId: string; readonly engineId: string; readonly result: unknown; readonly artifacts: unknown; readonly sessionOpen: boolean; readonly at: string };
    }
  | {
      readonly type: 'OutcomeEscalated';
      readonly data: { readonly outcomeId: string; readonly engineId: string | null; readonly trigger: string; readonly details: string; readonly handoff: unknown; readonly at: string };
    }
  | { readonly type: 'OutcomeFailed'; readonly data: { readonly outcomeId: string; readonly engineId: string | null; readonly reason: string; readonly at: string } }
  /** The escalation's package reached the buyer's destination, or could not. */
  | { readonly type: 'HandoffDelivered'; readonly data: { readonly outcomeId: string; readonly destination: string; readonly attempts: number; readonly at: string } }
  | { readonly type: 'HandoffFailed'; readonly data: { readonly outcomeId: string; readonly destination: string; readonly attempts: number; readonly reason: string; readonly at: string } }
  /** A round of deliveries failed; the next round is due at `retryAt` (a durable timer). */
  | {
      readonly type: 'HandoffRetryScheduled';
      readonly data: { readonly outcomeId: string; readonly destination: string; readonly attempts: number; readonly reason: string; readonly retryAt: string; readonly at: string };
    }
  /** The engine ran past the max latency and another attempt is allowed: the outcome is auctioned again without it. */
  | { readonly type: 'ExecutionTimedOut'; readonly data: { readonly outcomeId: string; readonly engineId: string; readonly at: string } }
  /** A soft deadline passed: the work goes on, the lateness is noted. */
  | { readonly type: 'OutcomeMarkedLate'; readonly data: { readonly outcomeId: string; readonly at: string } };

export type OutcomeState =
  | { readonly status: 'empty' }
  | {
      readonly status: OutcomeStatus;
      readonly request: OutcomeRequestedData;
      readonly engineId: string | null;
      readonly engineName: string | null;
      readonly clearingPriceMicros: number | null;
      readonly budgetId: string | null;
      readonly reservationId: string | null;
      /** Engines awarded so far (a timeout lets another engine try, up to the delivery's max attempts). */
      readonly attempts: number;
      /** Engines that declined an award: a re-run of the auction leaves them out. */
      readonly declinedBy: readonly string[];
      readonly awardedAt: string | null;
      readonly endedAt: string | null;
      readonly late: boolean;
      /** The number of the engine's last applied report. */
      readonly lastSeq: number;
      /** An escalation's hand-off: deliveries tried so far, when the next round is due, whether it is settled (absent in old states: as new). */
      readonly handoff?: { readonly attempts: number; readonly rounds: number; readonly retryAt: string | null; readonly settled: boolean };
      /** Why it escalated, and the engine's hand-off package if it escalated itself (absent in old states). */
      readonly escalation?: { readonly trigger: string; readonly details: string; readonly handoff: unknown; readonly at: string };
    };

export const initialOutcomeState = (): OutcomeState => ({ status: 'empty' });

export class OutcomeRefused extends Error {
  constructor(
    readonly code: 'RULE_VIOLATION' | 'NOT_FOUND' | 'FORBIDDEN' | 'OUT_OF_ORDER',
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'OutcomeRefused';
  }
}

/** Whether an engine's report about an outcome may be recorded: only the awarded engine speaks, and only while it runs. */
export function acceptsReportFrom(state: OutcomeState, engineId: string): boolean {
  return state.status === 'running' && state.engineId === engineId;
}

export function evolveOutcome(state: OutcomeState, event: OutcomeEvent): OutcomeState {
  if (event.type === 'OutcomeRequested') {
    return { status: 'auctioning', request: event.data, engineId: null, engineName: null, clearingPriceMicros: null, budgetId: null, reservationId: null, attempts: 0, declinedBy: [], awardedAt: null, endedAt: null, late: false, lastSeq: 0 };
  }
  if (state.status === 'empty') return state;
  switch (event.type) {
    case 'AuctionClosed':
      return state;
    case 'OutcomeMarkedLate':
      return { ...state, late: true };
    case 'HandoffDelivered':
    case 'HandoffFailed':
      return { ...state, handoff: { attempts: event.data.attempts, rounds: (state.handoff?.rounds ?? 0) + 1, retryAt: null, settled: true } };
    case 'HandoffRetryScheduled':
      return { ...state, handoff: { attempts: event.data.attempts, rounds: (state.handoff?.rounds ?? 0) + 1, retryAt: event.data.retryAt, settled: false } };
    case 'ExecutionReported':
      return { ...state, lastSeq: event.data.seq };
    case 'AwardDeclined':
      return { ...state, declinedBy: [...state.declinedBy, event.data.engineId] };
    case 'OutcomeAwarded':
      return {
        ...state,
        status: 'running',
        engineId: event.data.engineId,
        engineName: event.data.engineName,
        clearingPriceMicros: event.data.clearingPriceMicros,
        budgetId: event.data.budgetId,
        reservationId: event.data.reservationId ?? state.request.outcomeId,
        attempts: state.attempts + 1,
        awardedAt: event.data.at,
        lastSeq: 0,
      };
    case 'ExecutionTimedOut':
      return { ...state, status: 'auctioning', engineId: null, engineName: null, clearingPriceMicros: null, budgetId: null, reservationId: null, declinedBy: [...state.declinedBy, event.data.engineId] };
    case 'OutcomeCompleted':
      return { ...state, status: 'completed', endedAt: event.data.at, lastSeq: state.lastSeq + 1 };
    case 'OutcomeEscalated': {
      const { trigger, details, handoff, at } = event.data;
      return { ...state, status: 'escalated', endedAt: at, escalation: { trigger, details, handoff, at } };
    }
    case 'OutcomeFailed':
      return { ...state, status: 'failed', endedAt: event.data.at };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

type Data<T extends OutcomeEvent['type']> = Omit<Extract<OutcomeEvent, { type: T }>['data'], 'outcomeId' | 'at'>;

export type OutcomeCommand =
  | { readonly type: 'RequestOutcome'; readonly now: Date; readonly request: Omit<OutcomeRequestedData, 'at'> }
  | { readonly type: 'CloseAuction'; readonly now: Date; readonly result: Data<'AuctionClosed'> }
  | { readonly type: 'DeclineAward'; readonly now: Date; readonly engineId: string; readonly reason: string }
  | { readonly type: 'Award'; readonly now: Date; readonly award: Data<'OutcomeAwarded'> }
  /** What the awarded engine streams; anything from another engine, or after the end, is refused. */
  | {
      readonly type: 'Report';
      readonly now: Date;
      readonly engineId: string;
      /** 1, 2, 3… per outcome: reports apply in this order; a repeat changes nothing. */
      readonly seq: number;
      readonly kind: 'message' | 'tool_call' | 'checkpoint' | 'completed' | 'escalated' | 'failed';
      readonly payload: Record<string, unknown>;
    }
  /** The marketplace ends it: no eligible bid, budget spent, a hard deadline. */
  | { readonly type: 'Escalate'; readonly now: Date; readonly trigger: string; readonly details: string }
  | { readonly type: 'MarkLate'; readonly now: Date }
  /** The max latency passed: auction it again without this engine while attempts remain, else escalate. */
  | { readonly type: 'TimeOut'; readonly now: Date }
  /**
   * A round of hand-off deliveries ended: delivered, or failed with another round due at `retryAt`
   * (null: no more rounds, the hand-off failed). `attempts` counts this round's calls.
   */
  | { readonly type: 'RecordHandoff'; readonly now: Date; readonly destination: string; readonly attempts: number; readonly failure: string | null; readonly retryAt?: Date | null };

export function decideOutcome(command: OutcomeCommand, state: OutcomeState): OutcomeEvent[] {
  const at = command.now.toISOString();
  if (command.type === 'RequestOutcome') {
    if (state.status !== 'empty') return [];
    return [{ type: 'OutcomeRequested', data: { ...command.request, at } }];
  }
  if (state.status === 'empty') throw new OutcomeRefused('NOT_FOUND', 'no such outcome');
  const outcomeId = state.request.outcomeId;
  switch (command.type) {
    case 'CloseAuction':
      return state.status === 'auctioning' ? [{ type: 'AuctionClosed', data: { outcomeId, ...command.result, at } }] : [];
    case 'DeclineAward':
      return state.status === 'auctioning' ? [{ type: 'AwardDeclined', data: { outcomeId, engineId: command.engineId, reason: command.reason, at } }] : [];
    case 'Award':
      return state.status === 'auctioning' ? [{ type: 'OutcomeAwarded', data: { outcomeId, ...command.award, at } }] : [];
    case 'Escalate':
      if (state.status !== 'auctioning' && state.status !== 'running') return [];
      return [{ type: 'OutcomeEscalated', data: { outcomeId, engineId: state.engineId, trigger: command.trigger, details: command.details, handoff: null, at } }];
    case 'RecordHandoff':
    {
      if (state.status !== 'escalated') throw new OutcomeRefused('RULE_VIOLATION', `outcome ${outcomeId} was not escalated`);
      if (state.handoff?.settled) return [];
      const attempts = (state.handoff?.attempts ?? 0) + command.attempts;
      const { destination, failure } = command;
      if (failure === null) return [{ type: 'HandoffDelivered', data: { outcomeId, destination, attempts, at } }];
      if (command.retryAt) return [{ type: 'HandoffRetryScheduled', data: { outcomeId, destination, attempts, reason: failure, retryAt: command.retryAt.toISOString(), at } }];
      return [{ type: 'HandoffFailed', data: { outcomeId, destination, attempts, reason: failure, at } }];
    }
    case 'TimeOut': {
      if (state.status !== 'running' || state.engineId === null) return [];
      if (state.attempts < (state.request.delivery.maxAttempts ?? 1)) return [{ type: 'ExecutionTimedOut', data: { outcomeId, engineId: state.engineId, at } }];
      const details = `no result within ${state.request.delivery.maxLatencySeconds} s, after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'}`;
      return [{ type: 'OutcomeEscalated', data: { outcomeId, engineId: state.engineId, trigger: 'timeout', details, handoff: null, at } }];
    }
    case 'MarkLate':
      return state.late || (state.status !== 'auctioning' && state.status !== 'running') ? [] : [{ type: 'OutcomeMarkedLate', data: { outcomeId, at } }];
    case 'Report': {
      if (state.engineId === command.engineId && command.seq <= state.lastSeq) return [];
      // The award is recorded after the engine acknowledges it, so its first reports can arrive first.
      if (state.status === 'auctioning') throw new OutcomeRefused('OUT_OF_ORDER', `outcome ${outcomeId} is not awarded yet`);
      if (!acceptsReportFrom(state, command.engineId)) throw new OutcomeRefused('FORBIDDEN', `engine ${command.engineId} is not running outcome ${outcomeId}`);
      if (command.seq !== state.lastSeq + 1) throw new OutcomeRefused('OUT_OF_ORDER', `report ${command.seq} of outcome ${outcomeId} arrived before report ${state.lastSeq + 1}`);
      const { engineId, payload, seq } = command;
      switch (command.kind) {
        case 'completed':
          return [{ type: 'OutcomeCompleted', data: { outcomeId, engineId, result: payload['result'] ?? null, artifacts: payload['artifacts'] ?? [], sessionOpen: payload['session_open'] === true, at } }];
        case 'escalated':
          return [{ type: 'OutcomeEscalated', data: { outcomeId, engineId, trigger: String(payload['trigger'] ?? 'engine'), details: String(payload['details'] ?? ''), handoff: payload, at } }];
        case 'failed':
          return [{ type: 'OutcomeFailed', data: { outcomeId, engineId, reason: String(payload['reason'] ?? 'unspecified'), at } }];
        default:
          return [{ type: 'ExecutionReported', data: { outcomeId, engineId, seq, kind: command.kind, payload, at } }];
      }
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}
