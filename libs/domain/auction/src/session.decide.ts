/**
 * A multi-turn session: each turn is an outcome, and every turn after the first goes to the engine
 * that won the first. The session ends when that engine resolves it, or when a turn escalates or
 * fails.
 */
export type SessionStatus = 'active' | 'resolved' | 'escalated' | 'failed';

type At = { readonly sessionId: string; readonly at: string };

export type SessionEvent =
  | { readonly type: 'SessionStarted'; readonly data: At & { readonly buyerId: string; readonly configId: string; readonly by: string } }
  | { readonly type: 'SessionTurnStarted'; readonly data: At & { readonly outcomeId: string; readonly turn: number } }
  | { readonly type: 'SessionBound'; readonly data: At & { readonly engineId: string; readonly engineName: string } }
  | { readonly type: 'SessionTurnEnded'; readonly data: At & { readonly outcomeId: string } }
  | { readonly type: 'SessionEnded'; readonly data: At & { readonly status: Exclude<SessionStatus, 'active'> } };

export type SessionState =
  | { readonly status: 'empty' }
  | {
      readonly status: SessionStatus;
      readonly sessionId: string;
      readonly buyerId: string;
      readonly configId: string;
      readonly engineId: string | null;
      readonly engineName: string | null;
      readonly turns: readonly string[];
      readonly openTurn: string | null;
      readonly startedAt: string;
      readonly endedAt: string | null;
    };

export const initialSessionState = (): SessionState => ({ status: 'empty' });

export class SessionRefused extends Error {
  constructor(
    readonly code: 'RULE_VIOLATION' | 'NOT_FOUND',
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'SessionRefused';
  }
}

export type SessionCommand =
  | { readonly type: 'StartSession'; readonly sessionId: string; readonly buyerId: string; readonly configId: string; readonly by: string; readonly now: Date }
  | { readonly type: 'StartTurn'; readonly buyerId: string; readonly outcomeId: string; readonly now: Date }
  | { readonly type: 'Bind'; readonly engineId: string; readonly engineName: string; readonly now: Date }
  /** A turn's outcome ended: completed (the engine may keep the session open), escalated or failed. */
  | { readonly type: 'EndTurn'; readonly outcomeId: string; readonly ended: 'completed' | 'escalated' | 'failed'; readonly keepOpen: boolean; readonly now: Date };

export function decideSession(command: SessionCommand, state: SessionState): SessionEvent[] {
  const at = command.now.toISOString();
  if (command.type === 'StartSession') {
    if (state.status !== 'empty') return [];
    const { sessionId, buyerId, configId, by } = command;
    return [{ type: 'SessionStarted', data: { sessionId, buyerId, configId, by, at } }];
  }
  if (state.status === 'empty') throw new SessionRefused('NOT_FOUND', 'no such session');
  const { sessionId } = state;
  switch (command.type) {
    case 'StartTurn':
      if (state.buyerId !== command.buyerId) throw new SessionRefused('NOT_FOUND', `session ${sessionId} does not exist`);
      if (state.status !== 'active') throw new SessionRefused('RULE_VIOLATION', `session ${sessionId} is ${state.status}`, [{ field: 'session', reason: `is ${state.status}; start a new session` }]);
      if (state.openTurn !== null) throw new SessionRefused('RULE_VIOLATION', `turn ${state.openTurn} is still running`, [{ field: 'session', reason: 'has a turn still running; wait for it to end' }]);
      return [{ type: 'SessionTurnStarted', data: { sessionId, outcomeId: command.outcomeId, turn: state.turns.length + 1, at } }];
    case 'Bind':
      return state.engineId !== null ? [] : [{ type: 'SessionBound', data: { sessionId, engineId: command.engineId, engineName: command.engineName, at } }];
    case 'EndTurn': {
      if (state.openTurn !== command.outcomeId) return [];
      const ended: SessionEvent = { type: 'SessionTurnEnded', data: { sessionId, outcomeId: command.outcomeId, at } };
      if (command.ended === 'completed' && command.keepOpen) return [ended];
      const status = command.ended === 'completed' ? 'resolved' : command.ended;
      return [ended, { type: 'SessionEnded', data: { sessionId, status, at } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  if (event.type === 'SessionStarted') {
    const { sessionId, buyerId, configId, at } = event.data;
    return { status: 'active', sessionId, buyerId, configId, engineId: null, engineName: null, turns: [], openTurn: null, startedAt: at, endedAt: null };
  }
  if (state.status === 'empty') return state;
  switch (event.type) {
    case 'SessionTurnStarted':
      return { ...state, turns: [...state.turns, event.data.outcomeId], openTurn: event.data.outcomeId };
    case 'SessionBound':
      return { ...state, engineId: event.data.engineId, engineName: event.data.engineName };
    case 'SessionTurnEnded':
      return { ...state, openTurn: null };
    case 'SessionEnded':
      return { ...state, status: event.data.status, endedAt: event.data.at };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
