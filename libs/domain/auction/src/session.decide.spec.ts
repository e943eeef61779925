import { deciderSpec } from '@outcomes/testing';
import { decideSession, evolveSession, initialSessionState, type SessionCommand, type SessionEvent } from './session.decide';

const spec = deciderSpec({ decide: decideSession, evolve: evolveSession, initialState: initialSessionState });
const now = new Date('2026-11-22T10:00:00Z');
const start: SessionCommand = { type: 'StartSession', sessionId: 'sess_1', buyerId: 'buy_1', configId: 'cfg_1', by: 'key_1', now };
const turn = (outcomeId: string, buyerId = 'buy_1'): SessionCommand => ({ type: 'StartTurn', buyerId, outcomeId, now });
const end = (outcomeId: string, ended: 'completed' | 'escalated' | 'failed', keepOpen = false): SessionCommand => ({ type: 'EndTurn', outcomeId, ended, keepOpen, now });
const after = (...commands: SessionCommand[]) => commands.reduce<SessionEvent[]>((h, c) => [...h, ...spec.given(h).when(c).events()], []);

describe('session', () => {
  it('runs one turn at a time, bound to the first winner, until the engine resolves it', () => {
    const h = after(start, turn('out_1'), { type: 'Bind', engineId: 'eng_a', engineName: 'a', now }, end('out_1', 'completed', true), turn('out_2'), { type: 'Bind', engineId: 'eng_b', engineName: 'b', now });
    expect(spec.given(h).state).toMatchObject({ status: 'active', engineId: 'eng_a', turns: ['out_1', 'out_2'], openTurn: 'out_2' });
    spec.given(h).when(turn('out_3')).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'session' }] });
    const resolved = [...h, ...spec.given(h).when(end('out_2', 'completed')).events()];
    expect(spec.given(resolved).state).toMatchObject({ status: 'resolved', openTurn: null });
    spec.given(resolved).when(turn('out_3')).thenRejects({ code: 'RULE_VIOLATION' });
  });

  it('ends escalated when a turn escalates, and answers another buyer as if it did not exist', () => {
    const h = after(start, turn('out_1'), end('out_1', 'escalated'));
    expect(spec.given(h).state).toMatchObject({ status: 'escalated' });
    spec.given(after(start)).when(turn('out_1', 'buy_2')).thenRejects({ code: 'NOT_FOUND' });
  });
});
